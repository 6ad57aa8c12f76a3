using Mesh.Agent.Config;
using Mesh.Agent.Outbound;

namespace Mesh.Agent.Tests.Outbound;

/// <summary>The retry budget and backoff (Envoy's semantics): a share of requests in flight, a floor, full jitter under a ceiling.</summary>
public sealed class RetryBudgetTests
{
    [Theory]
    [InlineData(0, 3)]      // the floor: a quiet service may still retry a few
    [InlineData(10, 3)]     // 20% of 10 is 2, under the floor
    [InlineData(100, 20)]   // 20% of 100
    [InlineData(1000, 200)]
    public void Retries_in_flight_are_capped_at_a_share_of_active_requests_but_never_below_the_floor(int active, int allowed)
    {
        var budget = new RetryBudget(new RetryPolicy { BudgetPercent = 20, MinRetryConcurrency = 3 });

        var started = Enumerable.Range(0, allowed + 5).Count(_ => budget.TryStart(active));

        Assert.Equal(allowed, started);
        Assert.Equal(5, budget.Exhausted);
        budget.Finish();
        Assert.True(budget.TryStart(active));
    }

    [Fact]
    public void Backoff_is_jittered_below_a_ceiling_that_doubles_up_to_the_maximum()
    {
        var budget = new RetryBudget(new RetryPolicy { BackoffBase = TimeSpan.FromMilliseconds(25), BackoffMax = TimeSpan.FromMilliseconds(250) });
        var random = new Random(7);

        var first = Enumerable.Range(0, 1000).Select(_ => budget.Backoff(1, random).TotalMilliseconds).ToList();
        var third = Enumerable.Range(0, 1000).Select(_ => budget.Backoff(3, random).TotalMilliseconds).ToList();
        var tenth = Enumerable.Range(0, 1000).Select(_ => budget.Backoff(10, random).TotalMilliseconds).ToList();

        Assert.All(first, ms => Assert.InRange(ms, 0, 25));
        Assert.All(third, ms => Assert.InRange(ms, 0, 100));
        Assert.All(tenth, ms => Assert.InRange(ms, 0, 250));
        // Full jitter: spread over the whole range, not clustered at the ceiling.
        Assert.InRange(third.Average(), 40, 60);
        Assert.True(tenth.Max() > 200);
    }
}
