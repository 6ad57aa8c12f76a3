using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The issuance decision, SPIRE style: authenticate the caller, authorize the identity, read
/// only the key from the CSR, fill the template, sign, then check what was signed.
/// </summary>
internal sealed class Issuer
{
    private readonly RootAuthority _root;
    private readonly NodeAuthenticator _authenticator;
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<Span<byte>> _random;
    private volatile LeafSigner? _signer;

    internal Issuer(RootAuthority root, CaOptions options, TimeProvider time, Action<Span<byte>>? random = null)
    {
        _root = root;
        _options = options;
        _time = time;
        _authenticator = new NodeAuthenticator(options.Nodes);
        _random = random ?? RandomNumberGenerator.Fill;
    }

    internal IssuanceOutcome Handle(string? authorization, string identity, string csrPem, long requestedTtlSeconds)
    {
        var node = _authenticator.Authenticate(NodeAuthenticator.BearerToken(authorization));
        if (node is null)
        {
            return new IssuanceOutcome.Refused(StatusCode.Unauthenticated,
                authorization is null ? "missing authorization: Bearer <bootstrap token>" : "unknown bootstrap token");
        }

        if (!SpiffeId.TryParse(identity, out var id, out var idError))
        {
            return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, $"identity \"{identity}\" is not a SPIFFE ID: {idError}") { Node = node.Node };
        }

        if (!node.Identities.Contains(id))
        {
            return new IssuanceOutcome.Refused(StatusCode.PermissionDenied, $"node {node.Node} is not granted identity {id}") { Node = node.Node };
        }

        switch (CsrReader.Parse(csrPem, id))
        {
            case CsrParse.Rejected rejected:
                return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, rejected.Reason) { Node = node.Node };
            case CsrParse.Parsed parsed:
                var keyHash = Convert.ToHexStringLower(SHA256.HashData(parsed.Csr.SubjectPublicKeyInfo));
                var outcome = Issue(parsed.Csr, id, requestedTtlSeconds);
                return outcome with { Node = node.Node, PublicKeySha256 = keyHash };
            default:
                throw new InvalidOperationException("unreachable: CsrParse is closed");
        }
    }

    /// <summary>Issues for an identity the CA itself decided on (its own server cert).</summary>
    internal IssuanceOutcome Sign(PublicKey key, SpiffeId id, long requestedTtlSeconds) =>
        SignAndCheck(key.ExportSubjectPublicKeyInfo(), key, id, requestedTtlSeconds, csr: null);

    /// <summary>
    /// Issues for a parsed CSR. The CSR's self-signature is checked with the key decoded from the
    /// signed leaf: decoding a public key is the dearest step on OpenSSL 3.0 (~100-150 µs, more than
    /// sign and verify together) and the leaf has to be decoded anyway, carrying the CSR's
    /// SubjectPublicKeyInfo byte for byte. A leaf whose CSR fails the check is destroyed unseen.
    /// </summary>
    internal IssuanceOutcome Issue(Csr csr, SpiffeId id, long requestedTtlSeconds) =>
        SignAndCheck(csr.SubjectPublicKeyInfo, csr.PublicKey, id, requestedTtlSeconds, csr);

    private IssuanceOutcome SignAndCheck(byte[] spki, PublicKey key, SpiffeId id, long requestedTtlSeconds, Csr? csr)
    {
        var signer = CurrentSigner();
        var issuer = signer.Issuer;
        var (notBefore, notAfter) = LeafLifetime.Compute(
            _time.GetUtcNow(), requestedTtlSeconds, _options.DefaultTtl, _options.MaxTtl,
            ToUtc(issuer.NotBefore), ToUtc(issuer.NotAfter));
        if (notAfter <= notBefore)
        {
            return new IssuanceOutcome.Refused(StatusCode.FailedPrecondition, "CA root has expired; no certificate can be issued");
        }

        var der = signer.Sign(spki, key, id, notBefore, notAfter, SerialNumbers.NewPositive128(_random));
        X509Certificate2 leaf;
        try
        {
            leaf = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException ex)
        {
            // The only caller-controlled bytes in the DER are the key's: one the platform cannot decode.
            return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, $"csr public key is not valid: {ex.Message}");
        }

        if (csr is not null && ProofOfPossessionError(csr, leaf) is { } popError)
        {
            leaf.Dispose();
            return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, popError);
        }

        // SPIRE checks what it signed, not what it meant to sign: a template bug must not
        // reach a workload. The leaf here is decoded from the signed DER.
        var problems = new List<string>(SvidValidator.CheckLeafProfile(leaf));
        if (!SvidValidator.TryGetSpiffeId(leaf, out var issuedId, out _) || issuedId != id)
        {
            problems.Add($"issued SPIFFE ID is not {id}");
        }

        if (!leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki))
        {
            problems.Add("issued public key is not the requested one");
        }

        if (problems.Count > 0)
        {
            leaf.Dispose();
            return new IssuanceOutcome.Refused(StatusCode.Internal, "issued certificate failed the SVID profile check: " + string.Join("; ", problems));
        }

        return new IssuanceOutcome.Issued(leaf);
    }

    /// <summary>Null when the CSR's self-signature checks with the leaf's (= the CSR's) key; else the reason.</summary>
    private static string? ProofOfPossessionError(Csr csr, X509Certificate2 leaf)
    {
        AsymmetricAlgorithm? key;
        try
        {
            key = csr.Algorithm.IsEcdsa ? leaf.GetECDsaPublicKey() : leaf.GetRSAPublicKey();
        }
        catch (CryptographicException ex)
        {
            return $"csr public key is not valid: {ex.Message}";
        }

        using (key)
        {
            return csr.VerifySignature(key) ? null : CsrReader.BadSignature;
        }
    }

    /// <summary>The signer for the root's current certificate, rebuilt if the authority swaps it.</summary>
    private LeafSigner CurrentSigner()
    {
        var current = _signer;
        var certificate = _root.Certificate;
        if (current is not null && ReferenceEquals(current.Issuer, certificate))
        {
            return current;
        }

        // A race here builds two signers for the same certificate; either is correct. The old one
        // is not disposed: a concurrent issuance may still be using its key.
        var fresh = new LeafSigner(certificate);
        _signer = fresh;
        return fresh;
    }

    private static DateTimeOffset ToUtc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
