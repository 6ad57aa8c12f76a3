using Grpc.Core;
using Mesh.Identity;
using Mesh.Identity.CaApi;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>Thin gRPC shell over <see cref="Issuer"/>: maps outcomes to responses, audits every call.</summary>
internal sealed partial class CertificateAuthorityService(
    Issuer issuer, CaKeyring keyring, AuditLog audit, TimeProvider time, ILogger<CertificateAuthorityService> logger)
    : CertificateAuthority.CertificateAuthorityBase
{
    public override Task<CreateCertificateResponse> CreateCertificate(CreateCertificateRequest request, ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        var outcome = issuer.Handle(authorization, request.Identity, request.Csr, request.RequestedTtlSeconds);
        switch (outcome)
        {
            case IssuanceOutcome.Issued issued:
                using (var leaf = issued.Leaf)
                {
                    var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                    audit.Write(new AuditRecord(time.GetUtcNow(), outcome.Node, request.Identity, "issued", StatusCode.OK.ToString(),
                        null, leaf.SerialNumber, notAfter, outcome.PublicKeySha256));
                    LogIssued(logger, outcome.Node, request.Identity, leaf.SerialNumber, notAfter);
                    return Task.FromResult(CaResponses.Issued(leaf, issued.Chain, keyring.Current.Bundle));
                }

            case IssuanceOutcome.Refused refused:
                audit.Write(new AuditRecord(time.GetUtcNow(), outcome.Node, request.Identity, "refused", refused.Status.ToString(),
                    refused.Reason, null, null, outcome.PublicKeySha256));
                LogRefused(logger, outcome.Node, request.Identity, refused.Status, refused.Reason);
                throw new RpcException(new Status(refused.Status, refused.Reason));

            default:
                throw new InvalidOperationException("unreachable: IssuanceOutcome is closed");
        }
    }

    /// <summary>The bundle is public: any TLS client may read it, no token needed.</summary>
    public override Task<GetTrustBundleResponse> GetTrustBundle(GetTrustBundleRequest request, ServerCallContext context) =>
        Task.FromResult(CaResponses.TrustBundle(keyring.Current));

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Issued {Identity} to node {Node}, serial {Serial}, not after {NotAfter:o}")]
    private static partial void LogIssued(ILogger logger, string? node, string identity, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Refused {Identity} for node {Node}: {Status} {Reason}")]
    private static partial void LogRefused(ILogger logger, string? node, string identity, StatusCode status, string reason);
}
