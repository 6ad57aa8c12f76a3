using System.Security.Cryptography.X509Certificates;

namespace Mesh.Ca;

/// <summary>One CreateCertificate call as the issuer sees it: the caller's credentials and what it asks for.</summary>
/// <param name="Peer">The caller's network address, for the audit log.</param>
internal sealed record IssuanceRequest(
    string? Authorization,
    X509Certificate2? ClientCertificate,
    X509Certificate2Collection? ClientIntermediates,
    string Identity,
    string CsrPem,
    long RequestedTtlSeconds,
    string Peer);
