using System.Net;
using BenchmarkDotNet.Attributes;
using Mesh.Agent.Config;
using Mesh.Agent.Telemetry;
using Mesh.Identity;

namespace Mesh.Bench.Micro.Inbound;

/// <summary>
/// The per-request work <see cref="Agent.Inbound.InboundAuthorizer.Authorize"/> does besides policy evaluation and
/// the log enqueue, one line each, so its allocations and time can be attributed.
/// </summary>
[MemoryDiagnoser]
public class AuthorizeStepsBenchmarks
{
    private SpiffeId peer = null!;
    private LocalWorkload workload = null!;
    private AgentMetrics metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        var td = TrustDomain.Parse("cluster.local");
        peer = SpiffeId.ForWorkload(td, "shop", "checkout");
        workload = new LocalWorkload
        {
            Name = "payments-api",
            Namespace = "payments",
            ServiceAccount = "api",
            Address = IPAddress.Loopback,
            Ports = [new WorkloadPort(8080, PortProtocol.Http)],
            Identity = SpiffeId.ForWorkload(td, "payments", "api"),
        };
        metrics = new AgentMetrics();
    }

    [GlobalCleanup]
    public void Cleanup() => metrics.Dispose();

    [Benchmark(Description = "Authorize step: decision id (Guid v7, N format)")]
    public string DecisionId() => Guid.CreateVersion7().ToString("N");

    [Benchmark(Description = "Authorize step: SpiffeId.Principal")]
    public string Principal() => peer.Principal;

    [Benchmark(Description = "Authorize step: LocalWorkload.Key")]
    public string WorkloadKey() => workload.Key;

    [Benchmark(Description = "Authorize step: AgentMetrics.Decision (no listener)")]
    public void CountDecision() => metrics.Decision(allowed: true);
}
