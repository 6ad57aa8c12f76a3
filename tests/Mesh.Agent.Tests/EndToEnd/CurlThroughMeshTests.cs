using System.Text.Json;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.EndToEnd;

/// <summary>curl as the app: curl -> frontend agent (outbound) -> mTLS -> backend agent (inbound) -> backend app.</summary>
[Collection(MeshCollection.Name)]
public sealed class CurlThroughMeshTests(MeshFixture mesh)
{
    private string Outbound(string path) => $"http://127.0.0.1:{mesh.OutboundHttpPort}{path}";

    [Fact]
    public async Task Allowed_request_returns_the_backends_body_and_an_ALLOW_record()
    {
        var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", Outbound("/api/items"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{TestBackend.ItemsBody}\n200", result.StdOut);
        var record = (await mesh.DecisionsAsync()).Last(r => r.Str("request.path") == "/api/items");
        Assert.Equal("ALLOW", record.Str("result.decision"));
        Assert.Equal("allowed_by_policy", record.Str("result.reason"));
        Assert.Equal(MeshFixture.FrontendId.ToString(), record.Str("source.principal"));
        Assert.Equal("demo", record.Str("source.namespace"));
        Assert.Equal("127.0.0.1", record.Str("source.ip"));
        Assert.Equal("mtls", record.Str("source.tls"));
        Assert.Equal("demo/frontend-reads-api", record.Str("policy.name"));
        Assert.Equal(0, record.Int("policy.rule"));
        Assert.Matches(@"^backend\.yaml:\d+$", record.Str("policy.at"));
        Assert.Equal("demo/backend", record.Str("destination.workload"));
        Assert.Equal("demo", record.Str("destination.namespace"));
        Assert.Equal(mesh.Backend.HttpPort, record.Int("destination.port"));
        Assert.Equal("GET", record.Str("request.method"));
        Assert.Equal("/api/items", record.Str("request.normalized_path"));
        Assert.Equal("inbound", record.Str("direction"));
        Assert.Equal("node-b", record.Str("node"));
        Assert.StartsWith("sha256:", record.Str("policy_set"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_denied_by_a_DENY_policy_gets_403_and_a_DENY_record_naming_it()
    {
        var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", Outbound("/api/admin/keys"));

        Assert.Equal("RBAC: access denied\n403", result.StdOut);
        var record = (await mesh.DecisionsAsync()).Last(r => r.Str("request.path") == "/api/admin/keys");
        Assert.Equal("DENY", record.Str("result.decision"));
        Assert.Equal("denied_by_policy", record.Str("result.reason"));
        Assert.Equal(403, record.Int("result.http_status"));
        Assert.Equal("demo/deny-admin-api", record.Str("policy.name"));
    }

    [Fact]
    public async Task Request_no_ALLOW_rule_matches_is_denied_and_the_record_says_why()
    {
        var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", "-X", "DELETE", Outbound("/api/items"));

        Assert.Equal("RBAC: access denied\n403", result.StdOut);
        var record = (await mesh.DecisionsAsync()).Last(r => r.Str("request.path") == "/api/items" && r.Str("request.method") == "DELETE");
        Assert.Equal("DENY", record.Str("result.decision"));
        Assert.False(record.TryGetProperty("policy", out _));
        Assert.Equal("no_allow_match", record.Str("result.reason"));
        Assert.Contains("no ALLOW policy matched", record.Str("result.detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_port_carries_the_apps_bytes_through_a_CONNECT_stream_and_is_authorized_as_tcp()
    {
        var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", $"http://127.0.0.1:{mesh.OutboundTcpPort}/api/items");

        Assert.True($"{TestBackend.ItemsBody}\n200" == result.StdOut, result + "\n" + string.Join("\n", mesh.FrontendLogs.Lines) + "\n" + string.Join("\n", mesh.BackendLogs.Lines));
        var record = (await mesh.DecisionsAsync()).Last(r => r.Int("destination.port") == mesh.Backend.TcpPort);
        Assert.Equal("tcp", record.Str("request.protocol"));
        Assert.Equal("ALLOW", record.Str("result.decision"));
        // Rule 0 has HTTP-only fields, so on a TCP port it is dropped (Istio's fail-safe projection); rule 1 allows.
        Assert.Equal(1, record.Int("policy.rule"));
        Assert.False(record.TryGet("request.path", out _));
    }

    [Fact]
    public async Task The_apps_Host_header_reaches_the_backend_and_the_mesh_routing_header_does_not()
    {
        var result = await ExternalTool.CurlAsync("-H", "Host: backend.demo.svc", Outbound("/echo"));

        Assert.Equal("host=backend.demo.svc;mesh-destination=", result.StdOut);
    }

    [Fact]
    public async Task A_large_upload_streams_through_both_agents_intact()
    {
        var file = Path.Combine(mesh.Dir, "upload.bin");
        await File.WriteAllBytesAsync(file, new byte[8 * 1024 * 1024]);

        var result = await ExternalTool.CurlAsync("-X", "POST", "--data-binary", "@" + file, Outbound("/upload"));

        Assert.Equal("received 8388608", result.StdOut);
    }

    [Fact]
    public async Task Every_decision_record_is_one_JSON_object_with_the_audit_fields()
    {
        await ExternalTool.CurlAsync(Outbound("/api/items"));

        foreach (var record in await mesh.DecisionsAsync())
        {
            foreach (var field in new[] { "schema", "seq", "chain", "prev", "node", "time", "id", "direction", "destination.workload", "destination.port", "request.protocol", "result.decision", "result.reason", "policy_set", "latency_us" })
            {
                Assert.True(record.TryGet(field, out _), $"missing {field} in {record}");
            }
            Assert.True(DateTimeOffset.TryParse(record.GetProperty("time").GetString(), out _));
        }
        var ids = (await mesh.DecisionsAsync()).Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
