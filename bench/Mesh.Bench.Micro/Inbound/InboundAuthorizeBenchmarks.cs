using System.Net;
using BenchmarkDotNet.Attributes;
using Mesh.Agent.Config;
using Mesh.Agent.Inbound;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Bench.Micro.Policy;
using Mesh.Identity;
using Mesh.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Bench.Micro.Inbound;

/// <summary>
/// One HTTP request through <see cref="InboundAuthorizer.Authorize"/> as the inbound agent runs it, no sockets:
/// policy snapshot evaluation, decision id, DecisionRecord, decision log enqueue, metrics.
/// <para>
/// With <see cref="DecisionLogKind.JsonLines"/> the real log writes to a temp file; its writer drains on the thread pool
/// (the other core) while the request path is measured, as in the agent. The channel is unbounded, so the backlog is
/// flushed after every iteration (outside the measurement) and never grows past one iteration's records;
/// hence the fixed invocation count. The memory diagnoser counts all threads, so the writer's own allocations
/// during the iteration land in this row too.
/// </para>
/// </summary>
[MemoryDiagnoser]
[InvocationCount(InvocationsPerIteration)]
public class InboundAuthorizeBenchmarks
{
    private const int InvocationsPerIteration = 1 << 18;

    private string dir = null!;
    private PolicyStore store = null!;
    private IDecisionLog log = null!;
    private AgentMetrics metrics = null!;
    private InboundAuthorizer authorizer = null!;
    private LocalWorkload workload = null!;
    private SpiffeId peer = null!;
    private IPEndPoint destination = null!;

    public enum DecisionLogKind
    {
        Noop,
        JsonLines,
    }

    [Params(DecisionLogKind.Noop, DecisionLogKind.JsonLines)]
    public DecisionLogKind Log { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        dir = Directory.CreateTempSubdirectory("mesh-bench-inbound-").FullName;
        var policies = Directory.CreateDirectory(Path.Combine(dir, "policies")).FullName;
        File.WriteAllText(Path.Combine(policies, "bench.yaml"), PolicyFixture.Yaml());
        store = PolicyStore.Open(policies, new PolicyLoaderOptions(), NullLogger.Instance, watch: false);
        log = Log == DecisionLogKind.JsonLines ? new JsonLinesDecisionLog(Path.Combine(dir, "decisions.jsonl")) : new NoopDecisionLog();
        metrics = new AgentMetrics();
        authorizer = new InboundAuthorizer(store, log, DecisionLogFailureMode.Closed, FieldRedaction.None, metrics, TimeProvider.System);
        var td = TrustDomain.Parse("cluster.local");
        workload = new LocalWorkload
        {
            Name = "payments-api",
            Namespace = PolicyFixture.TargetNamespace,
            ServiceAccount = "api",
            Labels = PolicyFixture.ApiLabels,
            Address = IPAddress.Loopback,
            Ports = [new WorkloadPort(PolicyFixture.HttpPort, PortProtocol.Http)],
            Identity = SpiffeId.ForWorkload(td, PolicyFixture.TargetNamespace, "api"),
        };
        peer = SpiffeId.ForWorkload(td, "shop", "checkout");
        destination = new IPEndPoint(IPAddress.Loopback, PolicyFixture.HttpPort);

        Expect(AllowHttp(), DecisionKind.Allow);
        Expect(DenyHttp(), DecisionKind.Deny);
    }

    [IterationCleanup]
    public void DrainLog() => log.FlushAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        if (log is JsonLinesDecisionLog json)
        {
            json.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        metrics.Dispose();
        store.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Benchmark(Description = "Authorize HTTP: ALLOW")]
    public DecisionKind AllowHttp() =>
        authorizer.Authorize(peer, IPAddress.Loopback, workload, destination, AuthzProtocol.Http, "POST", "/v1/charges/ch_123", "mtls").Decision.Decision;

    [Benchmark(Description = "Authorize HTTP: DENY (DENY policy)")]
    public DecisionKind DenyHttp() =>
        authorizer.Authorize(peer, IPAddress.Loopback, workload, destination, AuthzProtocol.Http, "GET", "/admin/users", "mtls").Decision.Decision;

    private static void Expect(DecisionKind actual, DecisionKind expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"benchmark request decided {actual}, expected {expected}");
        }
    }
}
