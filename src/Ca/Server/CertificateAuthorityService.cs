using Grpc.Core;
using Mesh.Identity;
using Mesh.Identity.CaApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>Thin gRPC shell over <see cref="Issuer"/>: maps outcomes to responses, audits every call.</summary>
internal sealed partial class CertificateAuthorityService(
    Issuer issuer, CaKeyring keyring, AuditLog audit, TimeProvider time, ILogger<CertificateAuthorityService> logger)
    : CertificateAuthority.CertificateAuthorityBase
{
    public override async Task<CreateCertificateResponse> CreateCertificate(CreateCertificateRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var peer = http.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : context.Peer;
        var outcome = await issuer.HandleAsync(new IssuanceRequest(
            context.RequestHeaders.GetValue("authorization"),
            http.Connection.ClientCertificate,
            PeerIntermediates.Of(http),
            request.Identity,
            request.Csr,
            request.RequestedTtlSeconds,
            peer)).ConfigureAwait(false);
        return IssuanceAudit.Record(audit, time, outcome, request.Identity, peer, logger, keyring.Current.Bundle);
    }

    /// <summary>The bundle is public: any TLS client may read it, no token needed.</summary>
    public override Task<GetTrustBundleResponse> GetTrustBundle(GetTrustBundleRequest request, ServerCallContext context) =>
        Task.FromResult(CaResponses.TrustBundle(keyring.Current));
}
