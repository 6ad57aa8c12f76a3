using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Agent.Tests.Health.HealthTestSupport;

namespace Mesh.Agent.Tests.Health;

/// <summary>The checker's loop with probes the test controls (the real probes have their own tests).</summary>
public sealed class ActiveHealthCheckerTests
{
    private sealed class SwitchProbe : IHealthProbe
    {
        public volatile bool Passing = true;
        public volatile bool Hang;

        public async Task<ProbeResult> ProbeAsync(Upstream upstream, CancellationToken ct)
        {
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            return Passing ? ProbeResult.Pass("ok") : ProbeResult.Fail("switched off");
        }
    }

    private static ActiveHealthChecker Checker(IHealthProbe probe, HealthCounters counters, OutlierDetector? outliers = null, HealthCheckPolicy? policy = null) =>
        new("svc.test", policy ?? Fast(HealthCheckKind.Tcp), probe, counters, TimeProvider.System, NullLogger<ActiveHealthChecker>.Instance, outliers);

    [Fact]
    public async Task A_probe_that_does_not_answer_within_the_timeout_fails()
    {
        var probe = new SwitchProbe { Hang = true };
        var counters = new HealthCounters(TimeProvider.System);
        var upstream = Endpoint();
        await using var checker = Checker(probe, counters, policy: Fast(HealthCheckKind.Tcp) with { Timeout = TimeSpan.FromMilliseconds(100) });
        checker.Update([upstream]);

        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "a hanging probe kept the endpoint healthy");
        Assert.True(counters.ActiveCheckFailures >= 2);
    }

    [Fact]
    public async Task A_passing_check_ends_an_outlier_ejection_early()
    {
        var probe = new SwitchProbe { Passing = false };
        var counters = new HealthCounters(TimeProvider.System);
        var upstream = Endpoint();
        var outliers = new OutlierDetector("svc.test", new OutlierDetectionPolicy { BaseEjectionTime = TimeSpan.FromHours(1) }, counters, TimeProvider.System, NullLogger<OutlierDetector>.Instance);
        outliers.Update([upstream, Endpoint()]);
        await using var checker = Checker(probe, counters, outliers);
        checker.Update([upstream]);
        for (var i = 0; i < 5; i++)
        {
            outliers.Report(upstream, Outcome.FromStatus(500));
        }
        Assert.True(upstream.IsEjected(DateTimeOffset.UtcNow));

        probe.Passing = true;

        Assert.True(await EventuallyAsync(() => !upstream.IsEjected(DateTimeOffset.UtcNow)), "a passing check left the hour-long ejection in force");
        Assert.Equal(1, counters.EarlyUnejections);
    }

    [Fact]
    public async Task Update_checks_new_endpoints_keeps_existing_ones_and_dispose_stops_all()
    {
        var probe = new SwitchProbe();
        var counters = new HealthCounters(TimeProvider.System);
        var (a, b, c) = (Endpoint(), Endpoint(), Endpoint());
        var checker = Checker(probe, counters);

        checker.Update([a, b]);
        Assert.Equal(2, checker.Checking);
        checker.Update([b, c]);
        Assert.Equal(2, checker.Checking);

        probe.Passing = false;
        Assert.True(await EventuallyAsync(() => !b.ActiveHealthy && !c.ActiveHealthy), "the endpoints still checked did not turn unhealthy");
        // a left the service before the probe failed; nothing checks it any more.
        Assert.True(a.ActiveHealthy);

        await checker.DisposeAsync();
        Assert.Equal(0, checker.Checking);
        var checks = counters.ActiveChecks;
        await Task.Delay(400);
        Assert.Equal(checks, counters.ActiveChecks);
        Assert.Throws<ObjectDisposedException>(() => checker.Update([a]));
    }
}
