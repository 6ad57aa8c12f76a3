using System.Net;
using System.Text.Json;
using Mesh.Agent.Config;
using Mesh.Agent.Inbound;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tests.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;
using Mesh.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Inbound;

/// <summary>
/// InboundAuthorizer with the real policy store and the real decision log on real files: what a record says, and
/// failing closed (or open, when configured) once the log cannot be written. Tests run as root, so an unwritable log is
/// made with failures root gets too: a path under a regular file, and a directory replaced by a file before a rotation.
/// </summary>
public sealed class InboundAuthorizerTests : IDisposable
{
    private const string AllowFrontend = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: frontend-reads
          namespace: demo
        spec:
          rules:
          - from:
            - source:
                principals: ["cluster.local/ns/demo/sa/frontend"]
            to:
            - operation:
                methods: ["GET"]
        """;

    private static readonly SpiffeId Frontend = TestCa.Id("demo", "frontend");
    private static readonly IPEndPoint Destination = new(IPAddress.Parse("127.0.0.9"), 8080);

    private readonly ConfigDir _dir = new();
    private readonly PolicyStore _policies;
    private readonly AgentMetrics _metrics = new();
    private readonly LocalWorkload _workload = MeshFixture.Workload("backend", TestCa.Id("demo", "backend"), new WorkloadPort(8080, PortProtocol.Http));

    public InboundAuthorizerTests()
    {
        _dir.Write("policies/authz.yaml", AllowFrontend);
        _policies = PolicyStore.Open(_dir.File("policies"), new PolicyLoaderOptions(), NullLogger.Instance, watch: false);
    }

    public void Dispose()
    {
        _policies.Dispose();
        _metrics.Dispose();
        _dir.Dispose();
    }

    private InboundAuthorizer Authorizer(IDecisionLog log, DecisionLogFailureMode mode = DecisionLogFailureMode.Closed) =>
        new(_policies, log, mode, FieldRedaction.None, _metrics, TimeProvider.System);

    private (AuthzDecision Decision, string Id) Get(InboundAuthorizer authorizer, string path = "/items/./1?x=1") =>
        authorizer.Authorize(Frontend, IPAddress.Parse("10.1.2.3"), _workload, Destination, AuthzProtocol.Http, "GET", path, "mtls");

    [Fact]
    public async Task The_record_carries_what_the_agent_knew_when_it_decided()
    {
        var path = _dir.File("decisions.log");
        string id;
        await using (var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = path, Node = "node-b" }))
        {
            (_, id) = Get(Authorizer(log));
        }

        var record = File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).Single(r => r.Str("id") == id);
        Assert.Equal(
            [("node", "node-b"), ("source.principal", Frontend.ToString()), ("source.namespace", "demo"), ("source.ip", "10.1.2.3"), ("source.tls", "mtls"),
             ("destination.workload", "demo/backend"), ("destination.namespace", "demo"), ("destination.ip", "127.0.0.9"),
             ("request.protocol", "http"), ("request.method", "GET"), ("request.path", "/items/./1?x=1"), ("request.normalized_path", "/items/1"),
             ("result.decision", "ALLOW"), ("result.reason", "allowed_by_policy"), ("policy.name", "demo/frontend-reads"), ("policy.at", "authz.yaml:8"),
             ("policy_set", _policies.Current.Digest)],
            new[] { "node", "source.principal", "source.namespace", "source.ip", "source.tls", "destination.workload", "destination.namespace", "destination.ip",
                "request.protocol", "request.method", "request.path", "request.normalized_path", "result.decision", "result.reason", "policy.name", "policy.at", "policy_set" }
                .Select(f => (f, record.Str(f))));
        Assert.Equal(8080, record.Int("destination.port"));
        Assert.Equal(0, record.Int("policy.rule"));
        Assert.True(record.TryGet("latency_us", out var latency) && latency.GetDouble() >= 0);
        Assert.False(record.TryGet("source.jwt_principal", out _));
        Assert.False(record.TryGet("request.host", out _));
    }

    [Fact]
    public async Task With_a_log_that_cannot_be_opened_every_request_is_denied_and_the_denial_says_why()
    {
        _dir.Write("in-the-way", "a regular file");
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = _dir.File("in-the-way/decisions.log") });

        var (decision, _) = Get(Authorizer(log));

        Assert.False(decision.Allowed);
        Assert.Contains("decision log cannot be written", decision.Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(() => log.FlushAsync());
        Assert.Equal(1, log.Lost);
    }

    [Fact]
    public async Task Configured_to_fail_open_the_policy_still_decides_without_a_log()
    {
        _dir.Write("in-the-way", "a regular file");
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = _dir.File("in-the-way/decisions.log") });

        var (decision, _) = Get(Authorizer(log, DecisionLogFailureMode.Open));

        Assert.True(decision.Allowed);
    }

    [Fact]
    public async Task A_log_directory_that_becomes_unwritable_turns_allows_into_denials_at_once()
    {
        var logDir = Directory.CreateDirectory(_dir.File("logs")).FullName;
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = Path.Combine(logDir, "decisions.log"), MaxBytes = 8 * 1024 });
        var authorizer = Authorizer(log);
        Assert.True(Get(authorizer).Decision.Allowed);
        await log.FlushAsync();

        Directory.Move(logDir, _dir.File("logs-moved"));
        File.WriteAllText(logDir, "in the way");
        for (var i = 0; i < 100 && log.Failure is null; i++)
        {
            Get(authorizer);
            await Task.Delay(5);
        }

        Assert.NotNull(log.Failure);
        Assert.False(Get(authorizer).Decision.Allowed);
        var verify = new DecisionLogVerifier().Verify([.. Directory.GetFiles(_dir.File("logs-moved"))]);
        Assert.True(verify.Ok, string.Join("\n", verify.Problems));
    }
}
