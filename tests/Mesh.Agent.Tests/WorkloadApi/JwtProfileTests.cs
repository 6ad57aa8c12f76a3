using Grpc.Core;
using Mesh.Agent.WorkloadApi.Protocol;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>The JWT-SVID profile: tokens minted by the CA through the agent, validated by the agent.</summary>
[Collection(WorkloadApiCollection.Name)]
public sealed class JwtProfileTests(WorkloadApiFixture mesh)
{
    [Fact]
    public async Task Fetched_JWT_SVID_validates_for_its_audience_and_not_for_another()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            var fetched = await client.FetchJWTSVIDAsync(new JWTSVIDRequest { Audience = { "orders" } }, WorkloadApiFixture.Call());
            var svid = Assert.Single(fetched.Svids);
            Assert.Equal(WorkloadApiFixture.FrontendId.ToString(), svid.SpiffeId);

            var valid = await client.ValidateJWTSVIDAsync(new ValidateJWTSVIDRequest { Audience = "orders", Svid = svid.Svid }, WorkloadApiFixture.Call());
            Assert.Equal(WorkloadApiFixture.FrontendId.ToString(), valid.SpiffeId);
            Assert.Equal(WorkloadApiFixture.FrontendId.ToString(), valid.Claims.Fields["sub"].StringValue);
            Assert.Equal("orders", valid.Claims.Fields["aud"].StringValue);
            Assert.True(valid.Claims.Fields["exp"].NumberValue > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

            var wrong = await Assert.ThrowsAsync<RpcException>(() =>
                client.ValidateJWTSVIDAsync(new ValidateJWTSVIDRequest { Audience = "billing", Svid = svid.Svid }, WorkloadApiFixture.Call()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);
            Assert.Equal("audience does not match", wrong.Status.Detail);

            // Cached until half its lifetime: the same token again.
            var again = await client.FetchJWTSVIDAsync(new JWTSVIDRequest { Audience = { "orders" } }, WorkloadApiFixture.Call());
            Assert.Equal(svid.Svid, Assert.Single(again.Svids).Svid);
        }
    }

    [Fact]
    public async Task Tampered_token_is_rejected()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            var token = Assert.Single((await client.FetchJWTSVIDAsync(new JWTSVIDRequest { Audience = { "orders" } }, WorkloadApiFixture.Call())).Svids).Svid;
            var parts = token.Split('.');
            var forged = parts[0] + "." + Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace("frontend", "backend__", StringComparison.Ordinal)) + "." + parts[2];

            var e = await Assert.ThrowsAsync<RpcException>(() =>
                client.ValidateJWTSVIDAsync(new ValidateJWTSVIDRequest { Audience = "orders", Svid = forged }, WorkloadApiFixture.Call()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("signature does not verify", e.Status.Detail);
        }
    }

    public static TheoryData<string, string[], string, StatusCode> Refusals => new()
    {
        { "no audience", [], "", StatusCode.InvalidArgument },
        { "an identity the caller is not", ["orders"], WorkloadApiFixture.PodId.ToString(), StatusCode.PermissionDenied },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Fetch_is_refused(string scenario, string[] audience, string spiffeId, StatusCode status)
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            var request = new JWTSVIDRequest { SpiffeId = spiffeId };
            request.Audience.AddRange(audience);

            var e = await Assert.ThrowsAsync<RpcException>(() => client.FetchJWTSVIDAsync(request, WorkloadApiFixture.Call()).ResponseAsync);
            Assert.True(status == e.StatusCode, $"{scenario}: {e.Status}");
        }
    }

    [Fact]
    public async Task JWT_bundles_stream_holds_the_CA_JWKS()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            using var call = client.FetchJWTBundles(new JWTBundlesRequest(), WorkloadApiFixture.Call());

            Assert.True(await call.ResponseStream.MoveNext());
            var (td, jwks) = Assert.Single(call.ResponseStream.Current.Bundles);
            Assert.Equal("spiffe://cluster.local", td);
            var key = Assert.Single(new JsonWebKeySet(jwks.ToStringUtf8()).Keys);
            Assert.Equal("EC", key.Kty);
            Assert.Equal("P-256", key.Crv);
        }
    }
}
