using Mesh.Agent.Identity;

namespace Mesh.Agent.Tests.Identity;

public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset NotBefore = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, double, double, double> RenewInCases => new()
    {
        // scenario, lifetime (minutes), now (minutes after notBefore), expected wait (minutes)
        { "fresh 1 h certificate renews at 30 min", 60, 0, 30 },
        { "1 h certificate backdated 60 s renews 30 min after issuance", 61, 1, 30 },
        { "30 s certificate backdated 60 s renews after 15 s, not at once", 1.5, 1, 0.25 },
        { "loaded 10 min into a 1 h (+60 s) certificate: half-life counted from issuance", 61, 10, 21 },
        { "fresh 24 h certificate renews at 12 h", 24 * 60, 0, 12 * 60 },
        { "clock behind notBefore waits the extra time", 60, -5, 35 },
        { "exactly at half-life (from issuance) renews now", 61, 31, 0 },
        { "past half-life renews now, not at a negative delay", 60, 45, 0 },
        { "already expired renews now", 60, 90, 0 },
    };

    [Theory]
    [MemberData(nameof(RenewInCases))]
    public void RenewIn_waits_until_half_of_the_lifetime(string scenario, double lifetimeMinutes, double nowMinutes, double expectedMinutes)
    {
        var notAfter = NotBefore.AddMinutes(lifetimeMinutes);
        var now = NotBefore.AddMinutes(nowMinutes);

        var wait = RenewalSchedule.RenewIn(NotBefore, notAfter, now);

        Assert.True(TimeSpan.FromMinutes(expectedMinutes) == wait, $"{scenario}: expected {expectedMinutes} min, got {wait}");
    }

    [Theory]
    [InlineData(-1, 27)]
    [InlineData(0, 30)]
    [InlineData(1, 33)]
    [InlineData(5, 33)]
    public void Jitter_moves_renewal_by_at_most_ten_percent_of_half_life(double jitter, double expectedMinutes)
    {
        var wait = RenewalSchedule.RenewIn(NotBefore, NotBefore.AddMinutes(60), NotBefore, jitter);

        Assert.Equal(TimeSpan.FromMinutes(expectedMinutes), wait);
    }

    public static TheoryData<int, double> BackoffCases => new()
    {
        // consecutive failures so far, expected wait (seconds)
        { 0, 0.5 },
        { 1, 1 },
        { 2, 2 },
        { 3, 4 },
        { 8, 128 },
        { 9, 150 },
        { 20, 150 },
        { 21, 150 },
        { 10_000, 150 },
        { int.MaxValue, 150 },
    };

    [Theory]
    [MemberData(nameof(BackoffCases))]
    public void Backoff_starts_at_half_a_second_and_doubles_up_to_150_seconds(int failures, double expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RenewalSchedule.Backoff(failures));
    }

    [Fact]
    public void Backoff_never_shrinks_as_failures_accumulate()
    {
        var previous = TimeSpan.Zero;
        for (var failures = 0; failures < 100; failures++)
        {
            var wait = RenewalSchedule.Backoff(failures);
            Assert.True(wait >= previous, $"Backoff({failures}) = {wait} < Backoff({failures - 1}) = {previous}");
            Assert.InRange(wait, RenewalSchedule.MinBackoff, RenewalSchedule.MaxBackoff);
            previous = wait;
        }
    }
}
