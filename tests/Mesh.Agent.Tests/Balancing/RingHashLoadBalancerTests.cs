using Mesh.Agent.Balancing;
using Xunit.Abstractions;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Ring hash: stable mapping, minimal remapping on membership change, shares by weight.</summary>
public sealed class RingHashLoadBalancerTests(ITestOutputHelper output)
{
    private const int Keys = 10_000;
    private const int MinimumRingSize = 1024;

    [Fact]
    public void Same_key_reaches_the_same_endpoint_in_every_balancer()
    {
        var upstreams = TestEndpoints.Equal(5);
        var hash = RequestHash.OfString("user-42");

        var first = new RingHashLoadBalancer(MinimumRingSize).Pick(upstreams, new PickContext(hash));
        var again = Enumerable.Range(0, 20).Select(_ => new RingHashLoadBalancer(MinimumRingSize).Pick(upstreams, new PickContext(hash)));

        Assert.All(again, u => Assert.Same(first, u));
    }

    [Fact]
    public void Adding_an_11th_endpoint_keeps_at_least_90_percent_of_keys()
    {
        var eleven = TestEndpoints.Equal(11);
        var ten = eleven[..10];

        var before = Map(ten);
        var after = Map(eleven);

        var kept = Enumerable.Range(0, Keys).Count(k => ReferenceEquals(before[k], after[k]));
        var movedToOthers = Enumerable.Range(0, Keys).Count(k => !ReferenceEquals(before[k], after[k]) && !ReferenceEquals(after[k], eleven[10]));
        output.WriteLine($"add 11th: kept {kept} of {Keys} keys ({kept * 100.0 / Keys:F2}%), ideal {100.0 * 10 / 11:F2}%; moved other than to the new endpoint: {movedToOthers}");
        Assert.True(kept >= Keys * 0.90, $"kept {kept} of {Keys}");
        Assert.Equal(0, movedToOthers);
    }

    [Fact]
    public void Removing_an_endpoint_moves_only_its_keys()
    {
        var ten = TestEndpoints.Equal(10);
        var removed = ten[4];
        var nine = ten.Where(u => u != removed).ToArray();

        var before = Map(ten);
        var after = Map(nine);

        var moved = Enumerable.Range(0, Keys).Where(k => !ReferenceEquals(before[k], after[k])).ToArray();
        output.WriteLine($"remove 1 of 10: {moved.Length} of {Keys} keys moved ({moved.Length * 100.0 / Keys:F2}%), all of them the removed endpoint's: {moved.All(k => before[k] == removed)}");
        Assert.All(moved, k => Assert.Same(removed, before[k]));
        Assert.Equal(before.Count(u => u == removed), moved.Length);
    }

    public static TheoryData<int[], int, double> Weights => new()
    {
        // weights, minimum ring size, tolerance. At the default 1,024 a weight-1 endpoint owns ~256 points, and its
        // share of the ring varies by ~1/sqrt(256) = 6% (one sigma); 10% holds from 4,096 (3% sigma) on, so the
        // default-size rows check 15% and print the measured shares.
        { [1, 1, 1, 1, 1], 1024, 0.15 },
        { [1, 2, 3], 1024, 0.15 },
        { [3, 1], 1024, 0.15 },
        { [1, 1, 1, 1, 1], 4096, 0.10 },
        { [1, 2, 3], 4096, 0.10 },
        { [3, 1], 4096, 0.10 },
    };

    [Theory]
    [MemberData(nameof(Weights))]
    public void Shares_follow_weights(int[] weights, int minimumRingSize, double tolerance)
    {
        var upstreams = TestEndpoints.Upstreams(weights);
        var map = Map(upstreams, minimumRingSize);

        var counts = upstreams.Select(u => map.Count(m => m == u)).ToArray();

        output.WriteLine($"weights {string.Join(",", weights)}, ring >= {minimumRingSize}: keys {string.Join(",", counts)} of {Keys}");
        TestEndpoints.AssertShares(counts, weights, tolerance);
    }

    [Fact]
    public void Raising_one_weight_moves_keys_only_to_that_endpoint()
    {
        // 5 -> 6 total weight keeps 256 points per unit (a change across a power of two would halve every endpoint's).
        var equal = TestEndpoints.Equal(5);
        var before = Map(equal);
        var heavier = equal.ToArray();
        heavier[1] = new Upstream(TestEndpoints.Make(1, 2));

        var after = Map(heavier);

        // The reweighted endpoint keeps its old points and gains new ones; keys move only onto it.
        var moved = Enumerable.Range(0, Keys).Where(k => !before[k].Endpoint.Address.Equals(after[k].Endpoint.Address)).ToArray();
        Assert.NotEmpty(moved);
        Assert.All(moved, k => Assert.Same(heavier[1], after[k]));
    }

    [Fact]
    public void Without_a_hash_picks_are_random_by_weight()
    {
        var upstreams = TestEndpoints.Upstreams(1, 3);
        var balancer = new RingHashLoadBalancer(MinimumRingSize);
        var context = new PickContext(Hash: null, Random: new Random(5));

        var counts = TestEndpoints.Count(upstreams, 1000, () => balancer.Pick(upstreams, context));

        TestEndpoints.AssertShares(counts, [1, 3], 0.10);
    }

    public static TheoryData<int[], int, int> RingSizes => new()
    {
        // weights, minimum, expected points per endpoint (smallest power of two per unit weight reaching the minimum)
        { [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1024, 128 },
        { [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1024, 128 },
        { [1, 2, 3], 1024, 256 },
        { [1], 1, 1 },
    };

    [Theory]
    [MemberData(nameof(RingSizes))]
    public void Points_are_proportional_to_weight_and_reach_the_minimum(int[] weights, int minimum, int perWeight)
    {
        var counts = HashRing.PointCounts(weights, minimum);

        Assert.Equal(weights.Select(w => w * perWeight), counts);
        Assert.True(counts.Sum() >= minimum);
    }

    [Fact]
    public void Huge_weights_are_capped_at_the_maximum_ring_size() =>
        Assert.True(HashRing.PointCounts([int.MaxValue, int.MaxValue, 1], 1024).Sum() <= HashRing.MaxSize);

    // Which endpoint each of the keys "key-0" .. "key-9999" reaches on a fresh ring over the upstreams.
    private static Upstream[] Map(Upstream[] upstreams, int minimumRingSize = MinimumRingSize)
    {
        var balancer = new RingHashLoadBalancer(minimumRingSize);
        return [.. Enumerable.Range(0, Keys).Select(k => balancer.Pick(upstreams, new PickContext(RequestHash.OfString($"key-{k}")))!)];
    }
}
