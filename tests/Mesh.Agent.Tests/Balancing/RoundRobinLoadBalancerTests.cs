using Mesh.Agent.Balancing;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Weighted round robin: exact shares over whole cycles, interleaved, from any starting point.</summary>
public sealed class RoundRobinLoadBalancerTests
{
    public static TheoryData<int[], int, int[]> Cycles => new()
    {
        // weights, picks (a whole number of cycles), exact counts
        { [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1000, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100] },
        { [1, 2, 3], 1002, [167, 334, 501] },
        { [5, 1, 1], 1001, [715, 143, 143] },
        { [2, 4, 6], 1002, [167, 334, 501] },
        { [1000, 1], 3003, [3000, 3] },
    };

    [Theory]
    [MemberData(nameof(Cycles))]
    public void Each_endpoint_gets_exactly_its_weight_share_over_whole_cycles(int[] weights, int picks, int[] expected)
    {
        var upstreams = TestEndpoints.Upstreams(weights);
        var balancer = new RoundRobinLoadBalancer();
        var context = new PickContext(Random: new Random(7));

        var counts = TestEndpoints.Count(upstreams, picks, () => balancer.Pick(upstreams, context));

        Assert.Equal(expected, counts);
    }

    [Fact]
    public void Heavy_endpoint_is_interleaved_not_sent_in_a_burst()
    {
        var upstreams = TestEndpoints.Upstreams(5, 1, 1);
        var balancer = new RoundRobinLoadBalancer();
        var context = new PickContext(Random: new Random(1));

        var sequence = Enumerable.Range(0, 14).Select(_ => Array.IndexOf(upstreams, balancer.Pick(upstreams, context))).ToArray();

        // One cycle is a a b a c a a, so at most 4 in a row across a cycle boundary; a burst would be 5.
        var longestRun = sequence.Select((e, i) => sequence.Skip(i).TakeWhile(x => x == e).Count()).Max();
        Assert.True(longestRun <= 4, string.Join(",", sequence));
    }

    [Fact]
    public void Candidate_set_change_is_followed_at_once()
    {
        var upstreams = TestEndpoints.Equal(4);
        var balancer = new RoundRobinLoadBalancer();
        var context = new PickContext(Random: new Random(3));
        balancer.Pick(upstreams, context);

        var fewer = upstreams[..2];
        var counts = TestEndpoints.Count(upstreams, 100, () => balancer.Pick(fewer, context));

        Assert.Equal([50, 50, 0, 0], counts);
    }

    [Fact]
    public void No_candidates_picks_nothing() =>
        Assert.Null(new RoundRobinLoadBalancer().Pick([], PickContext.None));
}
