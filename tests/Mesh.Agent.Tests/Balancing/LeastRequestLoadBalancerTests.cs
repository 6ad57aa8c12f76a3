using Mesh.Agent.Balancing;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Least request: P2C with equal weights, weight / (active + 1) with unequal ones.</summary>
public sealed class LeastRequestLoadBalancerTests
{
    /// <summary>
    /// 10,000 seeded picks: at 1,000 the +/-10% bound on a weight-1-of-6 share (167 +/- 17, sigma 11.8) is only 1.4
    /// sigma, so a correct balancer would fail for about one seed in six; at 10,000 it is 4.5 sigma.
    /// </summary>
    private const int Picks = 10_000;

    [Fact]
    public void Equal_weights_and_equal_load_spread_evenly_within_10_percent_over_10000_picks()
    {
        var upstreams = TestEndpoints.Equal(4);
        var balancer = new LeastRequestLoadBalancer();
        var context = new PickContext(Random: new Random(11));

        var counts = TestEndpoints.Count(upstreams, Picks, () => balancer.Pick(upstreams, context));

        TestEndpoints.AssertShares(counts, [1, 1, 1, 1], 0.10);
    }

    [Fact]
    public void Equal_weights_the_busiest_endpoint_gets_no_new_picks()
    {
        var upstreams = TestEndpoints.Equal(4);
        StartRequests(upstreams[2], 50);
        var balancer = new LeastRequestLoadBalancer();
        var context = new PickContext(Random: new Random(12));

        var counts = TestEndpoints.Count(upstreams, Picks, () => balancer.Pick(upstreams, context));

        Assert.Equal(0, counts[2]);
        TestEndpoints.AssertShares([counts[0], counts[1], counts[3]], [1, 1, 1], 0.10);
    }

    [Fact]
    public void Requests_that_never_finish_stay_balanced()
    {
        var upstreams = TestEndpoints.Equal(3);
        var balancer = new LeastRequestLoadBalancer();
        var context = new PickContext(Random: new Random(13));

        // Every pick starts a request that never finishes. P2C cannot keep the counts exactly equal (a draw that misses
        // the least loaded endpoint raises one of the others) but keeps the gap small, where random would let it grow
        // with the square root of the picks (about 14 here).
        for (var i = 0; i < 3000; i++)
        {
            balancer.Pick(upstreams, context)!.RequestStarted();
        }

        var active = upstreams.Select(u => u.ActiveRequests).ToArray();
        Assert.True(active.Max() - active.Min() <= 3, string.Join(",", active));
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Unequal_weights_without_load_follow_weights_within_10_percent_over_10000_picks(int seed)
    {
        var upstreams = TestEndpoints.Upstreams(1, 2, 3);
        var balancer = new LeastRequestLoadBalancer();
        var context = new PickContext(Random: new Random(seed));

        var counts = TestEndpoints.Count(upstreams, Picks, () => balancer.Pick(upstreams, context));

        TestEndpoints.AssertShares(counts, [1, 2, 3], 0.10);
    }

    [Fact]
    public void Unequal_weights_a_loaded_endpoint_gets_almost_no_picks()
    {
        var upstreams = TestEndpoints.Upstreams(1, 2, 3);
        StartRequests(upstreams[2], 100);
        var balancer = new LeastRequestLoadBalancer();
        var context = new PickContext(Random: new Random(23));

        var counts = TestEndpoints.Count(upstreams, Picks, () => balancer.Pick(upstreams, context));

        // Dynamic weights 1, 2 and 3/101: the loaded endpoint's expected share is under 1%.
        Assert.True(counts[2] <= Picks / 50, string.Join(",", counts));
        TestEndpoints.AssertShares([counts[0], counts[1]], [1, 2], 0.10);
    }

    private static void StartRequests(Upstream upstream, int count)
    {
        for (var i = 0; i < count; i++)
        {
            upstream.RequestStarted();
        }
    }
}
