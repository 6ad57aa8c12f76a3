using System.Text.Json;
using Grpc.Core;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Every refusal carries its gRPC status and reason, and lands in the audit log.</summary>
public sealed class RefusalTests(SharedCa shared) : IClassFixture<SharedCa>
{
    public static TheoryData<string, string> Scenarios => new()
    {
        { "no token", "missing authorization" },
        { "wrong token", "unknown bootstrap token" },
        { "identity not granted", "node node-a is not granted identity spiffe://cluster.local/ns/demo/sa/backend" },
        { "malformed CSR", "csr is malformed" },
        { "CSR with bad signature", "signature does not verify" },
        { "RSA-1024 key", "csr RSA key is 1024 bits; at least 2048 are required" },
        { "identity not a SPIFFE ID", "is not a SPIFFE ID: scheme is missing or invalid" },
        { "CSR naming another identity", "csr subjectAltName names URI:spiffe://cluster.local/ns/mesh-system/sa/mesh-ca" },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Refused(string scenario, string expectedReason)
    {
        var ca = shared.Ca;
        var goodCsr = Csrs.Ec(out var key);
        key.Dispose();
        var (csr, identity, auth, status) = scenario switch
        {
            "no token" => (goodCsr, CaHarness.Frontend.ToString(), (string?)null, StatusCode.Unauthenticated),
            "wrong token" => (goodCsr, CaHarness.Frontend.ToString(), "Bearer " + Mesh.Ca.BootstrapTokens.NewToken(), StatusCode.Unauthenticated),
            "identity not granted" => (goodCsr, CaHarness.Backend.ToString(), "Bearer " + ca.Token, StatusCode.PermissionDenied),
            "malformed CSR" => ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", CaHarness.Frontend.ToString(), "Bearer " + ca.Token, StatusCode.InvalidArgument),
            "CSR with bad signature" => (Csrs.BadSignature(), CaHarness.Frontend.ToString(), "Bearer " + ca.Token, StatusCode.InvalidArgument),
            "RSA-1024 key" => (Csrs.Rsa(1024), CaHarness.Frontend.ToString(), "Bearer " + ca.Token, StatusCode.InvalidArgument),
            "identity not a SPIFFE ID" => (goodCsr, "frontend-" + Guid.NewGuid().ToString("N"), "Bearer " + ca.Token, StatusCode.InvalidArgument),
            "CSR naming another identity" => (Csrs.WithUriSans("spiffe://cluster.local/ns/mesh-system/sa/mesh-ca"), CaHarness.Frontend.ToString(), "Bearer " + ca.Token, StatusCode.InvalidArgument),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var ex = await Assert.ThrowsAsync<RpcException>(() => ca.RawCallAsync(csr, identity, auth));

        Assert.Equal(status, ex.StatusCode);
        Assert.Contains(expectedReason, ex.Status.Detail, StringComparison.Ordinal);
        var audited = ca.AuditLines().Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("result").GetString() == "refused"
                && e.GetProperty("refusal_reason").GetString() == ex.Status.Detail
                && e.GetProperty("status").GetString() == status.ToString()
                && e.GetProperty("requested_identity").GetString() == identity)
            .ToList();
        Assert.NotEmpty(audited);
        Assert.Equal(JsonValueKind.Null, audited[0].GetProperty("serial").ValueKind);
    }

    [Fact]
    public async Task CaClient_surfaces_the_CA_reason()
    {
        using var client = shared.Ca.Client();

        var ex = await Assert.ThrowsAsync<CaClientException>(() => client.RequestSvidAsync(CaHarness.Backend, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, ex.Status);
        Assert.Contains("is not granted identity", ex.Reason, StringComparison.Ordinal);
    }
}
