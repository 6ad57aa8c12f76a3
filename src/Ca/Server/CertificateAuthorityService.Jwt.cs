using Grpc.Core;
using Mesh.Identity.CaApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Ca;

// JWT-SVID calls. In their own part so the X.509 path's file stays as it is; the minter is resolved per call for the
// same reason (the primary constructor is the other part's).
internal sealed partial class CertificateAuthorityService
{
    public override async Task<MintJwtSvidResponse> MintJwtSvid(MintJwtSvidRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var minter = http.RequestServices.GetRequiredService<JwtSvidIssuer>();
        var peer = http.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : context.Peer;
        var audience = request.Audience.ToList();
        var outcome = await minter.MintAsync(http.Connection.ClientCertificate, PeerIntermediates.Of(http), context.RequestHeaders.GetValue("authorization"),
            request.Identity, audience, request.TtlSeconds).ConfigureAwait(false);
        return new MintJwtSvidResponse { Token = JwtAudit.Record(audit, time, outcome, request.Identity, audience, peer, logger) };
    }

    public override Task<GetJwtBundleResponse> GetJwtBundle(GetJwtBundleRequest request, ServerCallContext context)
    {
        var minter = context.GetHttpContext().RequestServices.GetRequiredService<JwtSvidIssuer>();
        return Task.FromResult(new GetJwtBundleResponse { Jwks = minter.Jwks });
    }
}
