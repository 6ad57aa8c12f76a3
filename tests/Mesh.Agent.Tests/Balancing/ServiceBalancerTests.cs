using Mesh.Agent.Balancing;
using Mesh.Agent.Config;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>ServiceBalancer: availability filtering, panic routing, updates that keep runtime state, policy choice.</summary>
public sealed class ServiceBalancerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly LoadBalancerPolicy RoundRobin = LoadBalancerPolicy.Default;

    [Fact]
    public void All_endpoints_unavailable_panics_and_picks_among_all()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1), TestEndpoints.Make(2)]);
        var upstreams = balancer.Upstreams.ToArray();
        upstreams[0].ActiveHealthy = false;
        upstreams[1].Eject(Now.AddSeconds(30));
        upstreams[2].ActiveHealthy = false;
        upstreams[2].Eject(Now.AddSeconds(30));

        var counts = TestEndpoints.Count(upstreams, 300, () => balancer.Pick(PickContext.None, Now));

        Assert.Equal([100, 100, 100], counts);
        Assert.Equal(300, balancer.PanicPicks);
        Assert.True(balancer.InPanic);
    }

    [Fact]
    public void One_available_endpoint_takes_every_pick_without_panic()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1), TestEndpoints.Make(2)]);
        var upstreams = balancer.Upstreams.ToArray();
        upstreams[0].ActiveHealthy = false;
        upstreams[2].Eject(Now.AddSeconds(30));

        var counts = TestEndpoints.Count(upstreams, 100, () => balancer.Pick(PickContext.None, Now));

        Assert.Equal([0, 100, 0], counts);
        Assert.Equal(0, balancer.PanicPicks);
        Assert.False(balancer.InPanic);
    }

    [Fact]
    public void Ejection_expiry_and_recovery_are_seen_by_the_next_pick()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1)]);
        var upstreams = balancer.Upstreams.ToArray();
        upstreams[0].Eject(Now.AddSeconds(30));

        Assert.Equal([0, 10], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now)));
        Assert.Equal([5, 5], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(31))));

        upstreams[1].ActiveHealthy = false;
        Assert.Equal([10, 0], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(31))));

        upstreams[0].Eject(Now.AddSeconds(90));
        upstreams[1].ActiveHealthy = true;
        Assert.Equal([0, 10], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(32))));

        upstreams[0].Uneject();
        Assert.Equal([5, 5], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(33))));
    }

    [Fact]
    public void A_clock_that_goes_back_brings_an_ejection_back_into_force()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1)]);
        var upstreams = balancer.Upstreams.ToArray();
        upstreams[0].Eject(Now.AddSeconds(30));

        Assert.Equal([5, 5], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(40))));
        Assert.Equal([0, 10], TestEndpoints.Count(upstreams, 10, () => balancer.Pick(PickContext.None, Now.AddSeconds(10))));
    }

    [Fact]
    public void Update_keeps_state_of_endpoints_that_stay_adds_new_and_drops_removed()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1), TestEndpoints.Make(2)]);
        var before = balancer.Upstreams.ToArray();
        before[0].Eject(Now.AddSeconds(30));
        before[1].ActiveHealthy = false;
        before[1].RequestStarted();

        // Endpoint 1 is reweighted, 2 is removed, 3 is new.
        balancer.Update([TestEndpoints.Make(0), TestEndpoints.Make(1, weight: 4), TestEndpoints.Make(3)]);
        var after = balancer.Upstreams;

        Assert.Equal(3, after.Count);
        Assert.Same(before[0], after[0]);
        Assert.True(after[0].IsEjected(Now));
        Assert.Equal(1, after[0].EjectionCount);
        Assert.Same(before[1], after[1]);
        Assert.False(after[1].ActiveHealthy);
        Assert.Equal(1, after[1].ActiveRequests);
        Assert.Equal(4, after[1].Weight);
        Assert.DoesNotContain(before[2], after);
        Assert.True(after[2].IsAvailable(Now));
        Assert.Equal(TestEndpoints.Make(3), after[2].Endpoint);
    }

    [Fact]
    public void Update_takes_new_weights_into_the_schedule()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1)]);
        var upstreams = balancer.Upstreams.ToArray();
        Assert.Equal([50, 50], TestEndpoints.Count(upstreams, 100, () => balancer.Pick(PickContext.None, Now)));

        balancer.Update([TestEndpoints.Make(0, weight: 3), TestEndpoints.Make(1)]);

        Assert.Equal([75, 25], TestEndpoints.Count(upstreams, 100, () => balancer.Pick(PickContext.None, Now)));
    }

    [Fact]
    public void Repeated_endpoint_counts_once()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(0, weight: 5), TestEndpoints.Make(1)]);

        Assert.Equal(2, balancer.Upstreams.Count);
        Assert.Equal(1, balancer.Upstreams[0].Weight);
    }

    [Fact]
    public void No_endpoints_picks_nothing()
    {
        var balancer = new ServiceBalancer(RoundRobin, []);

        Assert.Null(balancer.Pick(PickContext.None, Now));
        Assert.Equal(0, balancer.PanicPicks);
    }

    public static TheoryData<LoadBalancerKind> Kinds => new() { LoadBalancerKind.RoundRobin, LoadBalancerKind.Random, LoadBalancerKind.LeastRequest, LoadBalancerKind.RingHash };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_policy_skips_unavailable_endpoints_and_panics_when_none_is_left(LoadBalancerKind kind)
    {
        var policy = new LoadBalancerPolicy { Kind = kind, Hash = new HashKey { Header = "x-user" } };
        var balancer = new ServiceBalancer(policy, [.. Enumerable.Range(0, 4).Select(i => TestEndpoints.Make(i))]);
        var upstreams = balancer.Upstreams.ToArray();
        upstreams[1].ActiveHealthy = false;
        upstreams[3].Eject(Now.AddMinutes(1));
        var random = new Random(9);
        PickContext Next() => new(RequestHash.OfString($"user-{random.Next()}"), random);

        var counts = TestEndpoints.Count(upstreams, 400, () => balancer.Pick(Next(), Now));
        Assert.Equal(0, counts[1] + counts[3]);
        Assert.True(counts[0] > 100 && counts[2] > 100, string.Join(",", counts));

        upstreams[0].ActiveHealthy = false;
        upstreams[2].Eject(Now.AddMinutes(1));
        var panic = TestEndpoints.Count(upstreams, 400, () => balancer.Pick(Next(), Now));
        Assert.All(panic, c => Assert.True(c > 50, string.Join(",", panic)));
        Assert.Equal(400, balancer.PanicPicks);
    }

    [Fact]
    public void Policy_change_on_update_switches_the_balancer()
    {
        var balancer = new ServiceBalancer(RoundRobin, [TestEndpoints.Make(0), TestEndpoints.Make(1)]);
        var ringHash = new LoadBalancerPolicy { Kind = LoadBalancerKind.RingHash };

        balancer.Update([TestEndpoints.Make(0), TestEndpoints.Make(1)], ringHash);

        Assert.Equal(ringHash, balancer.Policy);
        var hash = RequestHash.OfString("sticky");
        var first = balancer.Pick(new PickContext(hash), Now);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Same(first, balancer.Pick(new PickContext(hash), Now)));
    }

    [Fact]
    public void Concurrent_picks_during_updates_always_return_a_current_or_previous_endpoint()
    {
        var balancer = new ServiceBalancer(new LoadBalancerPolicy { Kind = LoadBalancerKind.LeastRequest }, [TestEndpoints.Make(0), TestEndpoints.Make(1)]);
        var known = new[] { TestEndpoints.Make(0), TestEndpoints.Make(1), TestEndpoints.Make(2) };
        var failures = 0;

        Parallel.For(0, 4, worker =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                if (worker == 0 && i % 100 == 0)
                {
                    balancer.Update(i % 200 == 0 ? known : known[..2]);
                }
                var picked = balancer.Pick(PickContext.None, Now);
                if (picked is null || !known.Contains(picked.Endpoint))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }
}
