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
    private readonly CaKeyring _keyring;
    private readonly NodeAuthenticator _authenticator;
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<Span<byte>> _random;

    internal Issuer(CaKeyring keyring, CaOptions options, TimeProvider time, Action<Span<byte>>? random = null)
    {
        _keyring = keyring;
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

        switch (CsrReader.Read(csrPem))
        {
            case CsrResult.Rejected rejected:
                return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, rejected.Reason) { Node = node.Node };
            case CsrResult.Accepted accepted:
                var keyHash = Convert.ToHexStringLower(SHA256.HashData(accepted.Key.ExportSubjectPublicKeyInfo()));
                var outcome = Sign(accepted.Key, id, requestedTtlSeconds);
                return outcome with { Node = node.Node, PublicKeySha256 = keyHash };
            default:
                throw new InvalidOperationException("unreachable: CsrResult is closed");
        }
    }

    /// <summary>Issues for an identity the CA itself decided on (its own server cert).</summary>
    /// <param name="keys">The snapshot to sign with; null takes the keyring's current one. One snapshot per leaf, so the chain returned matches the signer.</param>
    internal IssuanceOutcome Sign(PublicKey key, SpiffeId id, long requestedTtlSeconds, CaKeys? keys = null)
    {
        keys ??= _keyring.Current;
        var issuer = keys.Signer;
        var (notBefore, notAfter) = LeafLifetime.Compute(
            _time.GetUtcNow(), requestedTtlSeconds, _options.DefaultTtl, _options.MaxTtl,
            ToUtc(issuer.NotBefore), ToUtc(issuer.NotAfter));
        if (notAfter <= notBefore)
        {
            return new IssuanceOutcome.Refused(StatusCode.FailedPrecondition, "the CA signing certificate has expired; no certificate can be issued");
        }

        var leaf = LeafTemplate.Build(key, id, issuer)
            .Create(issuer, notBefore, notAfter, SerialNumbers.NewPositive128(_random));

        // SPIRE checks what it signed, not what it meant to sign: a template bug must not
        // reach a workload.
        var problems = SvidValidator.CheckLeafProfile(leaf);
        if (problems.Count > 0 || !SvidValidator.TryGetSpiffeId(leaf, out var issuedId, out _) || issuedId != id)
        {
            leaf.Dispose();
            return new IssuanceOutcome.Refused(StatusCode.Internal, "issued certificate failed the SVID profile check: " + string.Join("; ", problems));
        }

        return new IssuanceOutcome.Issued(leaf) { Chain = keys.Chain };
    }

    private static DateTimeOffset ToUtc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
