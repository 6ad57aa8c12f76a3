using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Every refusal carries its gRPC status and reason, and lands in the audit log.</summary>
public sealed class RefusalTests(SharedCa shared) : IClassFixture<SharedCa>
{
    public static TheoryData<string, string> Scenarios => new()
    {
        { "no token", "missing credentials" },
        { "wrong token", "unknown join token" },
        { "identity not granted", "no workload with service account demo/backend is registered on node node-a" },
        { "malformed CSR", "csr is malformed" },
        { "CSR with bad signature", "signature does not verify" },
        { "RSA-1024 key", "csr RSA key is 1024 bits; at least 2048 are required" },
        { "identity not a SPIFFE ID", "is not a SPIFFE ID: scheme is missing or invalid" },
        { "CSR naming another identity", "csr subjectAltName names URI:spiffe://cluster.local/ns/mesh-system/sa/mesh-ca" },
        { "truncated DER", "csr is malformed" },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Refused(string scenario, string expectedReason)
    {
        var ca = shared.Ca;
        var goodCsr = Csrs.Ec(out var key);
        key.Dispose();
        // Every request but the first two authenticates as node-a with its node certificate.
        var (csr, identity, auth, status) = scenario switch
        {
            "no token" => (goodCsr, CaHarness.Frontend.ToString(), (string?)null, StatusCode.Unauthenticated),
            "wrong token" => (goodCsr, CaHarness.Frontend.ToString(), "Bearer not-a-token-" + Guid.NewGuid().ToString("N"), StatusCode.Unauthenticated),
            "identity not granted" => (goodCsr, CaHarness.Backend.ToString(), null, StatusCode.PermissionDenied),
            "malformed CSR" => ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", CaHarness.Frontend.ToString(), null, StatusCode.InvalidArgument),
            "CSR with bad signature" => (Csrs.BadSignature(), CaHarness.Frontend.ToString(), null, StatusCode.InvalidArgument),
            "RSA-1024 key" => (Csrs.Rsa(1024), CaHarness.Frontend.ToString(), null, StatusCode.InvalidArgument),
            "identity not a SPIFFE ID" => (goodCsr, "frontend-" + Guid.NewGuid().ToString("N"), null, StatusCode.InvalidArgument),
            "truncated DER" => (Truncated(goodCsr), CaHarness.Frontend.ToString(), null, StatusCode.InvalidArgument),
            "CSR naming another identity" => (Csrs.WithUriSans("spiffe://cluster.local/ns/mesh-system/sa/mesh-ca"), CaHarness.Frontend.ToString(), null, StatusCode.InvalidArgument),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        var asNode = scenario is not ("no token" or "wrong token");

        var ex = await Assert.ThrowsAsync<RpcException>(() => ca.RawCallAsync(csr, identity, auth, asNode));

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
        Assert.Contains("no workload with service account demo/backend is registered on node node-a", ex.Reason, StringComparison.Ordinal);
    }

    /// <summary>The same CSR with its DER cut in the middle, re-armoured as valid PEM.</summary>
    private static string Truncated(string csrPem)
    {
        var der = PemEncoding.Find(csrPem) is var fields ? Convert.FromBase64String(csrPem[fields.Base64Data]) : [];
        return PemEncoding.WriteString("CERTIFICATE REQUEST", der.AsSpan(0, der.Length / 2));
    }
}
