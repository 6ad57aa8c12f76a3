using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Endpoints and upstreams for balancing tests, and pick counting.</summary>
internal static class TestEndpoints
{
    private static readonly TrustDomain Td = TrustDomain.Parse("cluster.local");

    /// <summary>Endpoint number <paramref name="i"/>: a distinct address, agent and identity per number.</summary>
    public static ServiceEndpoint Make(int i, int weight = 1) => new(
        IPAddress.Parse($"10.0.{i / 250}.{(i % 250) + 1}"),
        new IPEndPoint(IPAddress.Parse($"10.1.{i / 250}.{(i % 250) + 1}"), 15008),
        SpiffeId.ForWorkload(Td, "shop", $"svc-{i}"))
    {
        Weight = weight,
    };

    /// <summary>One upstream per weight, numbered from 0.</summary>
    public static Upstream[] Upstreams(params int[] weights) => [.. weights.Select((w, i) => new Upstream(Make(i, w)))];

    /// <summary><paramref name="count"/> upstreams of weight 1.</summary>
    public static Upstream[] Equal(int count) => Upstreams([.. Enumerable.Repeat(1, count)]);

    /// <summary>How often each of <paramref name="upstreams"/> was chosen in <paramref name="picks"/> picks.</summary>
    public static int[] Count(Upstream[] upstreams, int picks, Func<Upstream?> pick)
    {
        var counts = new int[upstreams.Length];
        for (var i = 0; i < picks; i++)
        {
            var chosen = pick() ?? throw new InvalidOperationException("no endpoint picked");
            counts[Array.IndexOf(upstreams, chosen)]++;
        }
        return counts;
    }

    /// <summary>Asserts each count is within <paramref name="tolerance"/> (relative) of its weight's share.</summary>
    public static void AssertShares(int[] counts, int[] weights, double tolerance)
    {
        var total = counts.Sum();
        var weightSum = weights.Sum();
        for (var i = 0; i < counts.Length; i++)
        {
            var expected = (double)total * weights[i] / weightSum;
            Assert.True(Math.Abs(counts[i] - expected) <= expected * tolerance,
                $"endpoint {i} (weight {weights[i]}): {counts[i]} picks, expected {expected:F0} +/- {tolerance:P0}; all: {string.Join(",", counts)}");
        }
    }
}
