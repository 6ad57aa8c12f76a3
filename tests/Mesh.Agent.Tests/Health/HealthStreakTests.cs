using Mesh.Agent.Health;

namespace Mesh.Agent.Tests.Health;

public sealed class HealthStreakTests
{
    // Results as a string: '+' passed, '-' failed. Thresholds: healthy 2, unhealthy 3. Expected: the state after each.
    [Theory]
    [InlineData("+++", "HHH")]
    [InlineData("---", "HHU")]
    [InlineData("--+--", "HHHHH")]
    [InlineData("----+", "HHUUU")]
    [InlineData("---++", "HHUUH")]
    [InlineData("---+-++", "HHUUUUH")]
    public void Thresholds_need_consecutive_results(string results, string states)
    {
        var streak = new HealthStreak(healthyThreshold: 2, unhealthyThreshold: 3);
        var seen = string.Concat(results.Select(r =>
        {
            streak.Record(r == '+');
            return streak.Healthy ? 'H' : 'U';
        }));
        Assert.Equal(states, seen);
    }

    [Fact]
    public void Reports_only_changes()
    {
        var streak = new HealthStreak(1, 1);
        Assert.Null(streak.Record(true));
        Assert.False(streak.Record(false));
        Assert.Null(streak.Record(false));
        Assert.True(streak.Record(true));
    }

    [Fact]
    public void Can_start_unhealthy()
    {
        var streak = new HealthStreak(2, 2, healthy: false);
        Assert.Null(streak.Record(true));
        Assert.True(streak.Record(true));
    }
}
