using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Mesh.Ca;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Identity.Tests.Ca;

/// <summary>
/// Who may obtain what, over real gRPC on TLS 1.3: join tokens and Kubernetes service-account tokens buy exactly the
/// node's own certificate, once per key; everything else needs the node certificate and a registry entry on that node.
/// Every refusal is answered with a reason and written to the audit log.
/// </summary>
public sealed class CallerAuthenticationTests : IAsyncLifetime
{
    private readonly KubernetesIssuer _cluster = new();
    private CaHarness _ca = null!;

    private static readonly string NodeA = CaHarness.NodeA.ToString();
    private static readonly string NodeB = NodeIds.For(CaHarness.Td, "node-b").ToString();

    public async Task InitializeAsync() => _ca = await CaHarness.StartAsync(kubernetes: _cluster.Options);

    public async Task DisposeAsync()
    {
        await _ca.DisposeAsync();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Service_account_token_buys_the_node_certificate_of_the_node_it_is_bound_to()
    {
        var token = _cluster.Token("node-b");
        using var client = _ca.TokenClient(token);

        var svid = await client.RequestSvidAsync(NodeIds.For(CaHarness.Td, "node-b"), CancellationToken.None);

        Assert.Equal(NodeB, svid.Id.ToString());
        var audit = Audit().Last();
        Assert.Equal("issued", audit.GetProperty("result").GetString());
        Assert.Equal("kubernetes-token", audit.GetProperty("auth_method").GetString());
        Assert.Equal("system:serviceaccount:mesh-system:mesh-agent", audit.GetProperty("caller").GetString());
        Assert.Equal("node-b", audit.GetProperty("node").GetString());

        // With that certificate, node-b obtains its own workload's SVID, and not node-a's.
        using var asNode = new CaClient(new CaClientOptions(_ca.Server.Address, _ca.Server.Bundle)
        {
            ClientCertificate = System.Net.Security.SslStreamCertificateContext.Create(svid.Leaf, svid.Intermediates, offline: true),
        });
        Assert.Equal(CaHarness.Backend, (await asNode.RequestSvidAsync(CaHarness.Backend, CancellationToken.None)).Id);
        var refused = await Assert.ThrowsAsync<CaClientException>(() => asNode.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, refused.Status);
        Assert.Contains("no workload with service account demo/frontend is registered on node node-b", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_token_may_be_retried_with_the_same_key_but_not_replayed_with_another()
    {
        var token = _ca.NewJoinToken("node-b");
        var csr = Csrs.Ec(out var key);
        using (key)
        {
            var first = await _ca.RawCallAsync(csr, NodeB, "Bearer " + token);
            // A lost response must not strand the node: the same key may ask again.
            var retry = await _ca.RawCallAsync(csr, NodeB, "Bearer " + token);
            foreach (var response in new[] { first, retry })
            {
                using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
                Assert.True(SvidValidator.TryGetSpiffeId(leaf, out var id, out _));
                Assert.Equal(NodeB, id.ToString());
                Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
            }
        }

        var replay = await Assert.ThrowsAsync<RpcException>(() => _ca.RawCallAsync(Csrs.Ec(out var other), NodeB, "Bearer " + token));

        Assert.Equal(StatusCode.Unauthenticated, replay.StatusCode);
        Assert.Contains("token already used", replay.Status.Detail, StringComparison.Ordinal);
        AssertAudited(replay, "join-token");
    }

    [Fact]
    public async Task Token_uses_survive_a_CA_restart()
    {
        var token = _ca.NewJoinToken("node-b");
        await _ca.RawCallAsync(Csrs.Ec(out var first), NodeB, "Bearer " + token);
        first.Dispose();
        var stateDir = _ca.Options.StateDir;
        await _ca.Server.StopAsync();
        await using var restarted = await CaHarness.StartAsync(stateDir);

        var replay = await Assert.ThrowsAsync<RpcException>(() => restarted.RawCallAsync(Csrs.Ec(out var other), NodeB, "Bearer " + token));

        Assert.Contains("token already used", replay.Status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, StatusCode, string> Refusals => new()
    {
        { "used join token", StatusCode.Unauthenticated, "token already used" },
        { "expired join token", StatusCode.Unauthenticated, "expired at" },
        { "join token for another node", StatusCode.PermissionDenied, "node node-b may not obtain the identity of node node-a" },
        { "join token for a workload identity", StatusCode.PermissionDenied, "is exchanged only for the node certificate" },
        { "service-account token expired", StatusCode.Unauthenticated, "token has expired" },
        { "service-account token wrong audience", StatusCode.Unauthenticated, "audience is not the CA's" },
        { "service-account token wrong issuer", StatusCode.Unauthenticated, "issuer is not the configured cluster issuer" },
        { "service-account token replayed", StatusCode.Unauthenticated, "token already used" },
        { "service-account token for another node", StatusCode.PermissionDenied, "node node-b may not obtain the identity of node node-a" },
        { "service-account token of another account", StatusCode.Unauthenticated, "is not a node agent account" },
        { "service-account token signed by another key", StatusCode.Unauthenticated, "signature does not verify" },
        { "service-account token without a node binding", StatusCode.Unauthenticated, "not bound to a node" },
        { "service-account token naming its own key (jwk header)", StatusCode.Unauthenticated, "header 'jwk' is not accepted" },
        { "service-account token with alg none", StatusCode.Unauthenticated, "service-account token refused: signature does not verify" },
        { "node certificate asking for another node", StatusCode.PermissionDenied, "node node-a may not obtain the identity of node node-b" },
        { "client certificate from another CA", StatusCode.Unauthenticated, "client certificate rejected" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_with_reason_and_audited(string scenario, StatusCode status, string reason)
    {
        var csr = Csrs.Ec(out var key);
        key.Dispose();
        Func<Task> call = scenario switch
        {
            "used join token" => await UsedJoinTokenAsync(),
            "expired join token" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _ca.NewJoinToken("node-a", TimeSpan.FromMilliseconds(1))),
            "join token for another node" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _ca.NewJoinToken("node-b")),
            "join token for a workload identity" => () => _ca.RawCallAsync(csr, CaHarness.Frontend.ToString(), "Bearer " + _ca.NewJoinToken("node-a")),
            "service-account token expired" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-a", expires: DateTimeOffset.UtcNow.AddMinutes(-5))),
            "service-account token wrong audience" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-a", audience: "https://kubernetes.default.svc")),
            "service-account token wrong issuer" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-a", issuer: "https://evil.example")),
            "service-account token replayed" => await ReplayedServiceAccountTokenAsync(),
            "service-account token for another node" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-b")),
            "service-account token of another account" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-a", serviceAccount: "default/default")),
            "service-account token signed by another key" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + ForeignSigned()),
            "service-account token without a node binding" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + _cluster.Token("node-a",
                edit: c => ((Dictionary<string, object>)c["kubernetes.io"]).Remove("node"))),
            "service-account token naming its own key (jwk header)" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + WithHeader("jwk", new { kty = "EC" })),
            "service-account token with alg none" => () => _ca.RawCallAsync(csr, NodeA, "Bearer " + Unsigned()),
            "node certificate asking for another node" => () => _ca.RawCallAsync(csr, NodeB, null, asNode: true),
            "client certificate from another CA" => await ForeignNodeCertificateAsync(csr),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var ex = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(status, ex.StatusCode);
        Assert.Contains(reason, ex.Status.Detail, StringComparison.Ordinal);
        AssertAudited(ex, null);
    }

    private async Task<Func<Task>> UsedJoinTokenAsync()
    {
        var token = _ca.NewJoinToken("node-a");
        await _ca.RawCallAsync(Csrs.Ec(out var first), NodeA, "Bearer " + token);
        first.Dispose();
        return () => _ca.RawCallAsync(Csrs.Ec(out _), NodeA, "Bearer " + token);
    }

    private async Task<Func<Task>> ReplayedServiceAccountTokenAsync()
    {
        var token = _cluster.Token("node-a");
        await _ca.RawCallAsync(Csrs.Ec(out var first), NodeA, "Bearer " + token);
        first.Dispose();
        return () => _ca.RawCallAsync(Csrs.Ec(out _), NodeA, "Bearer " + token);
    }

    private async Task<Func<Task>> ForeignNodeCertificateAsync(string csr)
    {
        // A genuine node certificate for node-a, but from another CA: the chain does not reach this CA's bundle.
        await using var other = await CaHarness.StartAsync();
        var foreign = other.NodeSvid;
        return () => _ca.RawCallAsync(csr, NodeA, null, clientCertificate: foreign);
    }

    private string ForeignSigned()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return _cluster.Token("node-a", signWith: new ECDsaSecurityKey(otherKey) { KeyId = "other" });
    }

    private string WithHeader(string name, object value)
    {
        var parts = _cluster.Token("node-a").Split('.');
        var header = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[0]))!;
        header[name] = value;
        // The signature still covers the original header; the header check must refuse before any key is chosen.
        return Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + parts[1] + "." + parts[2];
    }

    private string Unsigned()
    {
        var parts = _cluster.Token("node-a").Split('.');
        return Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
    }

    private void AssertAudited(RpcException ex, string? method)
    {
        var record = Audit().LastOrDefault(e => e.GetProperty("refusal_reason").GetString() == ex.Status.Detail);
        Assert.True(record.ValueKind == JsonValueKind.Object, $"no audit record with reason '{ex.Status.Detail}'");
        Assert.Equal("refused", record.GetProperty("result").GetString());
        Assert.Equal(ex.StatusCode.ToString(), record.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("serial").ValueKind);
        if (method is not null)
        {
            Assert.Equal(method, record.GetProperty("auth_method").GetString());
        }
    }

    private List<JsonElement> Audit() => _ca.AuditLines().Select(l => JsonDocument.Parse(l).RootElement).ToList();
}
