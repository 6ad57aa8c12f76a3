using System.Collections.Immutable;
using System.Net.Security;
using Mesh.Identity;

namespace Mesh.Agent.Identity;

/// <summary>
/// The one place the agent's TLS code reads certificates from. Certificate sources call <see cref="Set"/>;
/// a certificate is checked (chain to the trust bundle, SVID profile, expected identity) before it is swapped in.
/// Readers get immutable snapshots; an identity without a valid certificate has none, so handshakes fail closed.
/// </summary>
public sealed class CredentialStore(TrustDomain trustDomain, TimeProvider time)
{
    // Swapped atomically as a whole; readers never lock.
    private ImmutableDictionary<SpiffeId, WorkloadCredentials> _byId = ImmutableDictionary<SpiffeId, WorkloadCredentials>.Empty;
    private TrustBundle? _bundle;

    public event Action<SpiffeId>? Changed;

    public TrustDomain TrustDomain => trustDomain;

    /// <summary>The current trust bundle, or null before the first certificate arrived.</summary>
    public TrustBundle? Bundle => Volatile.Read(ref _bundle);

    /// <summary>Checks and installs a newly issued SVID. Throws <see cref="InvalidOperationException"/> with the reason when it is unusable.</summary>
    public WorkloadCredentials Set(IssuedSvid svid)
    {
        if (!svid.Bundle.TrustDomain.Equals(trustDomain) || !svid.Id.TrustDomain.Equals(trustDomain))
        {
            throw new InvalidOperationException($"SVID {svid.Id} is not in trust domain {trustDomain}");
        }
        if (!svid.Leaf.HasPrivateKey)
        {
            throw new InvalidOperationException($"SVID {svid.Id} has no private key");
        }
        var check = SvidValidator.VerifyPeer(svid.Leaf, svid.Intermediates, svid.Bundle, time.GetUtcNow());
        if (!check.Ok || !svid.Id.Equals(check.Id))
        {
            throw new InvalidOperationException($"SVID for {svid.Id} rejected: {check.Failure ?? $"it names {check.Id}"}");
        }
        var creds = new WorkloadCredentials(svid, SslStreamCertificateContext.Create(svid.Leaf, svid.Intermediates, offline: true));
        ImmutableInterlocked.AddOrUpdate(ref _byId, svid.Id, creds, (_, _) => creds);
        Volatile.Write(ref _bundle, svid.Bundle);
        Changed?.Invoke(svid.Id);
        return creds;
    }

    /// <summary>
    /// Installs a newer trust bundle from the CA (fetched over TLS verified against the current one). New handshakes
    /// verify against it at once; established connections are not touched.
    /// </summary>
    public void UpdateBundle(TrustBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (!bundle.TrustDomain.Equals(trustDomain) || bundle.Roots.Count == 0)
        {
            throw new InvalidOperationException($"trust bundle for {bundle.TrustDomain} with {bundle.Roots.Count} roots refused for trust domain {trustDomain}");
        }
        Volatile.Write(ref _bundle, bundle);
    }

    /// <summary>Forgets an identity's certificate: its workload left the node, so nothing may present it any more.</summary>
    public void Remove(SpiffeId id)
    {
        if (ImmutableInterlocked.TryRemove(ref _byId, id, out _))
        {
            Changed?.Invoke(id);
        }
    }

    /// <summary>The identity's credentials if it has a certificate that is valid now.</summary>
    public bool TryGet(SpiffeId id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WorkloadCredentials? credentials)
    {
        if (_byId.TryGetValue(id, out credentials))
        {
            var now = time.GetUtcNow();
            if (now >= credentials.Svid.NotBefore && now < credentials.Svid.NotAfter)
            {
                return true;
            }
        }
        credentials = null;
        return false;
    }

    public bool HasValid(SpiffeId id) => TryGet(id, out _);
}
