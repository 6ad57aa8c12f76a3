using Mesh.Agent.Health;

namespace Mesh.Agent.Tests.Health;

public sealed class EjectionRuleTests
{
    [Theory]
    [InlineData(30, 0, 30)]
    [InlineData(30, 1, 60)]
    [InlineData(30, 4, 150)]
    [InlineData(30, 20, 300)] // capped at Envoy's default max_ejection_time
    [InlineData(600, 3, 600)] // a base above the cap is never shortened
    public void Duration_grows_with_ejections_up_to_the_cap(int baseSeconds, int previous, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), EjectionRule.Duration(TimeSpan.FromSeconds(baseSeconds), previous));

    [Theory]
    [InlineData(0, 1, 10, true)]   // the first ejection is always allowed, even of the only endpoint
    [InlineData(0, 3, 10, true)]
    [InlineData(1, 3, 10, false)]  // 10% of 3: only the first
    [InlineData(1, 4, 50, true)]   // 2 of 4 is 50%
    [InlineData(2, 4, 50, false)]  // 3 of 4 is 75%
    [InlineData(9, 10, 100, true)]
    public void Max_ejection_percent_caps_simultaneous_ejections(int ejected, int total, int maxPercent, bool allowed) =>
        Assert.Equal(allowed, EjectionRule.Allowed(ejected, total, maxPercent));

    [Theory]
    [InlineData(200, nameof(OutcomeKind.Success))]
    [InlineData(404, nameof(OutcomeKind.Success))]
    [InlineData(500, nameof(OutcomeKind.Http5xx))]
    [InlineData(501, nameof(OutcomeKind.Http5xx))]
    [InlineData(502, nameof(OutcomeKind.GatewayError))]
    [InlineData(503, nameof(OutcomeKind.GatewayError))]
    [InlineData(504, nameof(OutcomeKind.GatewayError))]
    public void Statuses_are_classified_like_envoy(int status, string kind) =>
        Assert.Equal(kind, Outcome.FromStatus(status).Kind.ToString());
}
