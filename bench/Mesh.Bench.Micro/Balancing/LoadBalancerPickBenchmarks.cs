using System.Net;
using BenchmarkDotNet.Attributes;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Bench.Micro.Balancing;

/// <summary>
/// One load-balancing pick, as the TCP path (per connection) and the HTTP path (per request) will make it, for each
/// policy over 10 and 100 endpoints with equal weights or weights 1, 2, 3 repeating. "ServiceBalancer.Pick" includes
/// the availability check (O(1) while no health or ejection changes); "policy only" is the policy on an unchanged
/// candidate list. Ring hash cycles through 1,024 precomputed request hashes; the other policies use Random.Shared, as in the
/// agent. No endpoint has requests in flight, so least request runs P2C (equal) or the dynamic-weight draw (mixed).
/// </summary>
[MemoryDiagnoser]
public class LoadBalancerPickBenchmarks
{
    private readonly ulong[] hashes = [.. Enumerable.Range(0, 1024).Select(i => RequestHash.OfString($"user-{i}")!.Value)];
    private ServiceBalancer service = null!;
    private ILoadBalancer policy = null!;
    private Upstream[] candidates = null!;
    private DateTimeOffset now;
    private int next;

    [Params(LoadBalancerKind.RoundRobin, LoadBalancerKind.Random, LoadBalancerKind.LeastRequest, LoadBalancerKind.RingHash)]
    public LoadBalancerKind Kind { get; set; }

    [Params(10, 100)]
    public int Endpoints { get; set; }

    [Params(false, true)]
    public bool MixedWeights { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var td = TrustDomain.Parse("cluster.local");
        var endpoints = Enumerable.Range(0, Endpoints).Select(i => new ServiceEndpoint(
            IPAddress.Parse($"10.0.0.{i + 1}"),
            new IPEndPoint(IPAddress.Parse($"10.1.0.{i + 1}"), 15008),
            SpiffeId.ForWorkload(td, "shop", $"svc-{i}"))
        {
            Weight = MixedWeights ? (i % 3) + 1 : 1,
        }).ToArray();
        var lbPolicy = new LoadBalancerPolicy { Kind = Kind, Hash = new HashKey { Header = "x-user" } };
        service = new ServiceBalancer(lbPolicy, endpoints);
        policy = LoadBalancers.Create(lbPolicy);
        candidates = [.. service.Upstreams];
        now = DateTimeOffset.UtcNow;
        // Warm both caches (schedule, ring) outside the measurement.
        service.Pick(PickContext.None, now);
        policy.Pick(candidates, PickContext.None);
    }

    [Benchmark(Description = "ServiceBalancer.Pick")]
    public Upstream? ServicePick() => service.Pick(new PickContext(NextHash()), now);

    [Benchmark(Description = "policy only")]
    public Upstream? PolicyPick() => policy.Pick(candidates, new PickContext(NextHash()));

    private ulong NextHash() => hashes[next++ & 1023];
}
