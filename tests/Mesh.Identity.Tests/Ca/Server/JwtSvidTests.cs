using System.Text.Json;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Identity.Tests.Ca;

/// <summary>JWT-SVIDs from the CA: the SPIFFE JWT-SVID profile, the same authorization as X.509-SVIDs, audited.</summary>
public sealed class JwtSvidTests(SharedCa shared) : IClassFixture<SharedCa>
{
    [Fact]
    public async Task Minted_token_has_the_JWT_SVID_profile_and_verifies_against_the_bundle()
    {
        using var client = shared.Ca.Client();

        var token = await client.MintJwtSvidAsync(CaHarness.Frontend, ["orders", "billing"], null, CancellationToken.None);
        var jwks = new JsonWebKeySet(await client.GetJwtBundleAsync(CancellationToken.None));

        var jwt = new JsonWebToken(token);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("JWT", jwt.Typ);
        Assert.Equal(Assert.Single(jwks.Keys).Kid, jwt.Kid);
        Assert.Equal("jwt-svid", jwks.Keys[0].Use);
        Assert.Equal(CaHarness.Frontend.ToString(), jwt.Subject);
        Assert.Equal(["orders", "billing"], jwt.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(5), jwt.ValidTo - jwt.IssuedAt);
        Assert.Matches("^[0-9a-f]{32}$", jwt.Id);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.Keys,
            ValidAudience = "billing",
            ValidateIssuer = false,
            ValidAlgorithms = ["ES256"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);

        var audited = shared.Ca.AuditLines().Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.TryGetProperty("jti", out var jti) && jti.GetString() == jwt.Id);
        Assert.Equal("jwt-svid", audited.GetProperty("kind").GetString());
        Assert.Equal("issued", audited.GetProperty("result").GetString());
        Assert.Equal(CaHarness.Frontend.ToString(), audited.GetProperty("granted_identity").GetString());
        Assert.Equal("node-a", audited.GetProperty("node").GetString());
        Assert.Equal(["orders", "billing"], audited.GetProperty("audience").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(jwt.ValidTo, audited.GetProperty("not_after").GetDateTimeOffset().UtcDateTime);
    }

    [Fact]
    public async Task Lifetime_is_capped_by_the_CA()
    {
        using var client = shared.Ca.Client();

        var token = await client.MintJwtSvidAsync(CaHarness.Frontend, ["orders"], TimeSpan.FromDays(2), CancellationToken.None);

        var jwt = new JsonWebToken(token);
        Assert.Equal(shared.Ca.Options.MaxJwtTtl, jwt.ValidTo - jwt.IssuedAt);
        Assert.Equal(["orders"], jwt.Audiences);
    }

    public static TheoryData<string, StatusCode, string> Refusals => new()
    {
        { "identity of another node's workload", StatusCode.PermissionDenied, "no workload with service account demo/backend is registered on node node-a" },
        { "no audience", StatusCode.InvalidArgument, "audience is required" },
        { "join token instead of the node certificate", StatusCode.PermissionDenied, "only to callers authenticated with their node certificate" },
        { "no credentials", StatusCode.Unauthenticated, "missing credentials" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_and_audited(string scenario, StatusCode status, string reason)
    {
        var ca = shared.Ca;
        var (client, id, audience) = scenario switch
        {
            "identity of another node's workload" => (ca.Client(), CaHarness.Backend, new[] { "orders" }),
            "no audience" => (ca.Client(), CaHarness.Frontend, []),
            "join token instead of the node certificate" => (ca.TokenClient(ca.NewJoinToken("node-a")), CaHarness.NodeA, ["orders"]),
            "no credentials" => (new CaClient(new CaClientOptions(ca.Server.Address, ca.Server.Bundle)), CaHarness.Frontend, ["orders"]),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        using (client)
        {
            var ex = await Assert.ThrowsAsync<CaClientException>(() => client.MintJwtSvidAsync(id, audience, null, CancellationToken.None));

            Assert.Equal(status, ex.Status);
            Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
            Assert.Contains(ca.AuditLines().Select(l => JsonDocument.Parse(l).RootElement), e =>
                e.TryGetProperty("kind", out var kind) && kind.GetString() == "jwt-svid"
                && e.GetProperty("result").GetString() == "refused"
                && e.GetProperty("status").GetString() == status.ToString()
                && e.GetProperty("refusal_reason").GetString()!.Contains(reason, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Restart_reuses_the_signing_key_and_the_key_file_is_0600()
    {
        using var dir = new TempDir();
        string firstJwks;
        await using (var ca = await CaHarness.StartAsync(dir.Path))
        using (var client = ca.Client())
        {
            firstJwks = await client.GetJwtBundleAsync(CancellationToken.None);
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir.Path, "jwt-key.pem")));
        }

        await using (var ca = await CaHarness.StartAsync(dir.Path))
        using (var client = ca.Client())
        {
            Assert.Equal(firstJwks, await client.GetJwtBundleAsync(CancellationToken.None));
        }
    }
}
