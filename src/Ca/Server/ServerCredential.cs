using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The CA's own TLS certificate, an SVID for the CA's ID issued by the current signer. Reissued
/// when the keyring swaps (a new intermediate must not leave the CA presenting the old chain) and
/// at half-life, so Kestrel never restarts for it.
/// </summary>
internal sealed class ServerCredential
{
    /// <summary>The CA's own server cert lives this long; it is renewed at half-life.</summary>
    internal static readonly TimeSpan Ttl = TimeSpan.FromDays(30);

    private readonly Issuer _issuer;
    private readonly TimeProvider _time;
    private readonly SpiffeId _caId;

    // Serializes Renew: the timer and a keyring swap may both renew at once.
    private readonly Lock _gate = new();

    // Written under _gate, read by every handshake without a lock.
    private SslStreamCertificateContext _context;
    private DateTimeOffset _renewAt;

    internal ServerCredential(Issuer issuer, CaKeyring keyring, TimeProvider time, SpiffeId caId)
    {
        _issuer = issuer;
        _time = time;
        _caId = caId;
        (_context, _renewAt) = Issue(keyring.Current);
        keyring.Changed += keys => Renew(keys);
    }

    internal SslStreamCertificateContext Context => Volatile.Read(ref _context);

    internal X509Certificate2 Certificate => Context.TargetCertificate;

    internal void RenewIfDue(CaKeys keys)
    {
        lock (_gate)
        {
            if (_time.GetUtcNow() >= _renewAt)
            {
                Renew(keys);
            }
        }
    }

    private void Renew(CaKeys keys)
    {
        lock (_gate)
        {
            var (context, renewAt) = Issue(keys);
            _renewAt = renewAt;
            Volatile.Write(ref _context, context);
        }
    }

    private (SslStreamCertificateContext, DateTimeOffset) Issue(CaKeys keys)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = _issuer.Sign(new PublicKey(key), _caId, (long)Ttl.TotalSeconds, keys: keys) switch
        {
            IssuanceOutcome.Issued issued => WithKey(issued.Leaf, key),
            IssuanceOutcome.Refused refused => throw new InvalidOperationException($"cannot issue the CA server certificate: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable: IssuanceOutcome is closed"),
        };

        // The chain travels with the certificate: clients hold only roots, so the intermediate
        // must be sent. offline: nothing is fetched to complete it.
        var context = SslStreamCertificateContext.Create(cert, [.. keys.Chain], offline: true);
        var notBefore = new DateTimeOffset(cert.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return (context, notBefore + ((notAfter - notBefore) / 2));
    }

    private static X509Certificate2 WithKey(X509Certificate2 leaf, ECDsa key)
    {
        using (leaf)
        {
            return leaf.CopyWithPrivateKey(key);
        }
    }
}
