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
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<Span<byte>> _random;
    private readonly CallerAuthenticator? _authenticator;
    private readonly WorkloadRegistry? _registry;
    private readonly TokenUseLedger _ledger;

    internal Issuer(RootAuthority root, CaOptions options, TimeProvider time, Action<Span<byte>>? random = null,
        CallerAuthenticator? authenticator = null, WorkloadRegistry? registry = null)
    {
        _root = root;
        _options = options;
        _time = time;
        _random = random ?? RandomNumberGenerator.Fill;
        _authenticator = authenticator;
        _registry = registry;
        _ledger = new TokenUseLedger(options.StateDir);
    }

    internal async Task<IssuanceOutcome> HandleAsync(IssuanceRequest request)
    {
        return await AuthorizeAsync(request.ClientCertificate, request.Authorization, request.Identity).ConfigureAwait(false) switch
        {
            Authorization.Granted granted => IssueFor(granted.Caller, granted.Id, request.CsrPem, request.RequestedTtlSeconds),
            Authorization.Denied denied => new IssuanceOutcome.Refused(denied.Status, denied.Reason) { Caller = denied.Caller },
            _ => throw new InvalidOperationException("unreachable: Authorization is closed"),
        };
    }

    /// <summary>
    /// Who is calling and whether it may have <paramref name="identity"/>: the one decision behind every credential this
    /// CA hands out (X.509-SVIDs here, JWT-SVIDs in <see cref="JwtSvidIssuer"/>).
    /// </summary>
    internal async Task<Authorization> AuthorizeAsync(X509Certificate2? clientCertificate, string? authorizationHeader, string identity)
    {
        if (_authenticator is null)
        {
            return new Authorization.Denied(StatusCode.Unauthenticated, "this CA authenticates no callers", null);
        }
        var auth = await _authenticator.AuthenticateAsync(clientCertificate, authorizationHeader).ConfigureAwait(false);
        if (auth.Caller is not { } caller)
        {
            return new Authorization.Denied(auth.Status, auth.Error!, null);
        }
        if (!SpiffeId.TryParse(identity, out var id, out var idError))
        {
            return new Authorization.Denied(StatusCode.InvalidArgument, $"identity \"{identity}\" is not a SPIFFE ID: {idError}", caller);
        }
        if (Entitlement(caller, id) is { } denied)
        {
            return new Authorization.Denied(StatusCode.PermissionDenied, denied, caller);
        }
        return new Authorization.Granted(caller, id);
    }

    /// <summary><c>mesh ca issue</c>: an operator on the CA host issues by hand; still audited, still checked.</summary>
    internal IssuanceOutcome IssueManually(string operatorName, SpiffeId id, string csrPem, long requestedTtlSeconds)
    {
        var caller = new CallerIdentity(AuthMethod.Manual, "-", operatorName);
        return id.TrustDomain != _options.TrustDomain
            ? new IssuanceOutcome.Refused(StatusCode.InvalidArgument, $"{id} is outside trust domain {_options.TrustDomain}") { Caller = caller }
            : IssueFor(caller, id, csrPem, requestedTtlSeconds);
    }

    /// <summary>Null when <paramref name="caller"/> may obtain <paramref name="id"/>; otherwise why not.</summary>
    private string? Entitlement(CallerIdentity caller, SpiffeId id)
    {
        if (id.TrustDomain != _options.TrustDomain)
        {
            return $"{id} is outside trust domain {_options.TrustDomain}";
        }
        if (NodeIds.TryGetNode(id, out var node))
        {
            return node == caller.Node ? null : $"node {caller.Node} may not obtain the identity of node {node}";
        }
        if (caller.Method is AuthMethod.JoinToken or AuthMethod.KubernetesToken)
        {
            // A bootstrap credential buys exactly one thing: the node's own certificate. Everything else is asked for
            // with that certificate, so a leaked token is worth one node identity at most, once.
            return $"a {caller.MethodName} is exchanged only for the node certificate {NodeIds.For(_options.TrustDomain, caller.Node)}; " +
                "request workload identities with that certificate";
        }
        if (_registry is null)
        {
            return "the CA has no workload registry, so no node may obtain workload SVIDs";
        }
        return _registry.Allows(caller.Node, id, out var reason) ? null : reason;
    }

    private IssuanceOutcome IssueFor(CallerIdentity caller, SpiffeId id, string csrPem, long requestedTtlSeconds)
    {
        switch (CsrReader.Read(csrPem))
        {
            case CsrResult.Rejected rejected:
                return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, rejected.Reason) { Caller = caller };
            case CsrResult.Accepted accepted:
                var keyHash = Convert.ToHexStringLower(SHA256.HashData(accepted.Key.ExportSubjectPublicKeyInfo()));
                if (caller.BootstrapCredential is { } credential)
                {
                    string? replay;
                    try
                    {
                        replay = _ledger.Bind(credential, keyHash, caller.CredentialExpires ?? _time.GetUtcNow().AddDays(1), _time.GetUtcNow());
                    }
                    catch (InvalidOperationException e)
                    {
                        return new IssuanceOutcome.Refused(StatusCode.Internal, e.Message) { Caller = caller, PublicKeySha256 = keyHash };
                    }
                    if (replay is not null)
                    {
                        return new IssuanceOutcome.Refused(StatusCode.Unauthenticated, replay) { Caller = caller, PublicKeySha256 = keyHash };
                    }
                }
                var outcome = Sign(accepted.Key, id, requestedTtlSeconds);
                return outcome with { Caller = caller, PublicKeySha256 = keyHash };
            default:
                throw new InvalidOperationException("unreachable: CsrResult is closed");
        }
    }

    /// <summary>Issues for an identity the CA itself decided on (its own server cert).</summary>
    internal IssuanceOutcome Sign(PublicKey key, SpiffeId id, long requestedTtlSeconds)
    {
        var issuer = _root.Certificate;
        var (notBefore, notAfter) = LeafLifetime.Compute(
            _time.GetUtcNow(), requestedTtlSeconds, _options.DefaultTtl, _options.MaxTtl,
            ToUtc(issuer.NotBefore), ToUtc(issuer.NotAfter));
        if (notAfter <= notBefore)
        {
            return new IssuanceOutcome.Refused(StatusCode.FailedPrecondition, "CA root has expired; no certificate can be issued");
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

        return new IssuanceOutcome.Issued(leaf);
    }

    private static DateTimeOffset ToUtc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
