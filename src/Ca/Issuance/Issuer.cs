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
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<Span<byte>> _random;
    private readonly CallerAuthenticator? _authenticator;
    private readonly WorkloadRegistry? _registry;
    private readonly TokenUseLedger _ledger;
    private volatile LeafSigner? _signer;

    internal Issuer(CaKeyring keyring, CaOptions options, TimeProvider time, Action<Span<byte>>? random = null,
        CallerAuthenticator? authenticator = null, WorkloadRegistry? registry = null)
    {
        _keyring = keyring;
        _options = options;
        _time = time;
        _random = random ?? RandomNumberGenerator.Fill;
        _authenticator = authenticator;
        _registry = registry;
        _ledger = new TokenUseLedger(options.StateDir);
    }

    internal async Task<IssuanceOutcome> HandleAsync(IssuanceRequest request)
    {
        return await AuthorizeAsync(request.ClientCertificate, request.ClientIntermediates, request.Authorization, request.Identity).ConfigureAwait(false) switch
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
    internal async Task<Authorization> AuthorizeAsync(X509Certificate2? clientCertificate, X509Certificate2Collection? clientIntermediates, string? authorizationHeader, string identity)
    {
        if (_authenticator is null)
        {
            return new Authorization.Denied(StatusCode.Unauthenticated, "this CA authenticates no callers", null);
        }
        var auth = await _authenticator.AuthenticateAsync(clientCertificate, clientIntermediates, authorizationHeader).ConfigureAwait(false);
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
        switch (CsrReader.Parse(csrPem, id))
        {
            case CsrParse.Rejected rejected:
                return new IssuanceOutcome.Refused(StatusCode.InvalidArgument, rejected.Reason) { Caller = caller };
            case CsrParse.Parsed parsed:
                var keyHash = Convert.ToHexStringLower(SHA256.HashData(parsed.Csr.SubjectPublicKeyInfo));
                var outcome = (NodeIds.TryGetNode(id, out _)
                    ? Issue(parsed.Csr, id, requestedTtlSeconds, _options.NodeTtl, _options.NodeTtl)
                    : Issue(parsed.Csr, id, requestedTtlSeconds)) with { Caller = caller, PublicKeySha256 = keyHash };
                // A bootstrap credential is bound only once proof of possession has passed: a CSR with someone
                // else's key (and so a bad signature) must not burn the token for its owner.
                return outcome is IssuanceOutcome.Issued issued && caller.BootstrapCredential is { } credential
                    ? BindCredential(issued, caller, credential, keyHash)
                    : outcome;
            default:
                throw new InvalidOperationException("unreachable: CsrParse is closed");
        }
    }

    private IssuanceOutcome BindCredential(IssuanceOutcome.Issued issued, CallerIdentity caller, string credential, string keyHash)
    {
        string? refusal;
        var status = StatusCode.Unauthenticated;
        try
        {
            refusal = _ledger.Bind(credential, keyHash, caller.CredentialExpires ?? _time.GetUtcNow().AddDays(1), _time.GetUtcNow());
        }
        catch (Exception e) when (e is InvalidOperationException or CaKeyException)
        {
            (refusal, status) = (e.Message, StatusCode.Internal);
        }
        if (refusal is null)
        {
            return issued;
        }
        issued.Leaf.Dispose();
        return new IssuanceOutcome.Refused(status, refusal) { Caller = caller, PublicKeySha256 = keyHash };
    }

    /// <summary>Issues for an identity the CA itself decided on (its own server cert).</summary>
    /// <param name="keys">The snapshot to sign with; null takes the keyring's current one. One snapshot per leaf, so the chain returned matches the signer.</param>
    internal IssuanceOutcome Sign(PublicKey key, SpiffeId id, long requestedTtlSeconds, TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null, CaKeys? keys = null) =>
        SignAndCheck(key.ExportSubjectPublicKeyInfo(), key, id, requestedTtlSeconds, csr: null, defaultTtl, maxTtl, keys ?? _keyring.Current);

    /// <summary>
    /// Issues for a parsed CSR. The CSR's self-signature is checked with the key decoded from the
    /// signed leaf: decoding a public key is the dearest step on OpenSSL 3.0 (~100-150 µs, more than
    /// sign and verify together) and the leaf has to be decoded anyway, carrying the CSR's
    /// SubjectPublicKeyInfo byte for byte. A leaf whose CSR fails the check is destroyed unseen.
    /// </summary>
    internal IssuanceOutcome Issue(Csr csr, SpiffeId id, long requestedTtlSeconds, TimeSpan? defaultTtl = null, TimeSpan? maxTtl = null) =>
        SignAndCheck(csr.SubjectPublicKeyInfo, csr.PublicKey, id, requestedTtlSeconds, csr, defaultTtl, maxTtl, _keyring.Current);

    private IssuanceOutcome SignAndCheck(byte[] spki, PublicKey key, SpiffeId id, long requestedTtlSeconds, Csr? csr, TimeSpan? defaultTtl, TimeSpan? maxTtl, CaKeys keys)
    {
        var signer = CurrentSigner(keys);
        var issuer = signer.Issuer;
        var (notBefore, notAfter) = LeafLifetime.Compute(
            _time.GetUtcNow(), requestedTtlSeconds, defaultTtl ?? _options.DefaultTtl, maxTtl ?? _options.MaxTtl,
            ToUtc(issuer.NotBefore), ToUtc(issuer.NotAfter));
        if (notAfter <= notBefore)
        {
            return new IssuanceOutcome.Refused(StatusCode.FailedPrecondition, "the CA signing certificate has expired; no certificate can be issued");
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

        return new IssuanceOutcome.Issued(leaf) { Chain = keys.Chain };
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

    /// <summary>The signer for the snapshot's signing certificate, rebuilt when the keyring swaps it (rotation).</summary>
    private LeafSigner CurrentSigner(CaKeys keys)
    {
        var current = _signer;
        var certificate = keys.Signer;
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
