using Mesh.Agent.Balancing;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Weighted random: shares within 10% of weight over 1,000 seeded picks.</summary>
public sealed class RandomLoadBalancerTests
{
    /// <summary>
    /// 10,000 seeded picks: at 1,000 the +/-10% bound on a weight-1-of-6 share (167 +/- 17, sigma 11.8) is only 1.4
    /// sigma, so a correct balancer would fail for about one seed in six; at 10,000 it is 4.5 sigma.
    /// </summary>
    private const int Picks = 10_000;

    public static TheoryData<int[], int> Shares => new()
    {
        { [1, 1, 1, 1], 1 },
        { [1, 2, 3], 2 },
        { [1, 2, 3], 3 },
        { [3, 1], 4 },
    };

    [Theory]
    [MemberData(nameof(Shares))]
    public void Shares_follow_weights_within_10_percent_over_10000_picks(int[] weights, int seed)
    {
        var upstreams = TestEndpoints.Upstreams(weights);
        var balancer = new RandomLoadBalancer();
        var context = new PickContext(Random: new Random(seed));

        var counts = TestEndpoints.Count(upstreams, Picks, () => balancer.Pick(upstreams, context));

        TestEndpoints.AssertShares(counts, weights, 0.10);
    }

    [Fact]
    public void Single_candidate_is_always_picked()
    {
        var upstreams = TestEndpoints.Equal(1);
        Assert.Same(upstreams[0], new RandomLoadBalancer().Pick(upstreams, PickContext.None));
    }
}
