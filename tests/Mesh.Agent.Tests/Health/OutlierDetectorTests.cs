using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Agent.Tests.Health.HealthTestSupport;

namespace Mesh.Agent.Tests.Health;

public sealed class OutlierDetectorTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(10);

    private readonly ManualClock _clock = new();
    private readonly HealthCounters _counters;

    public OutlierDetectorTests() => _counters = new HealthCounters(_clock);

    private OutlierDetector Detector(IReadOnlyList<Upstream> upstreams, OutlierDetectionPolicy? policy = null)
    {
        var detector = new OutlierDetector("svc.test", policy ?? new OutlierDetectionPolicy { BaseEjectionTime = Base, MaxEjectionPercent = 100 },
            _counters, _clock, NullLogger<OutlierDetector>.Instance);
        detector.Update(upstreams);
        _counters.Track(upstreams);
        return detector;
    }

    private static void Fail(OutlierDetector detector, Upstream upstream, int times, Outcome outcome)
    {
        for (var i = 0; i < times; i++)
        {
            detector.Report(upstream, outcome);
        }
    }

    [Fact]
    public void Five_consecutive_5xx_eject()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()]);

        Fail(detector, a, 4, Outcome.FromStatus(500));
        Assert.False(a.IsEjected(_clock.GetUtcNow()));
        Assert.True(detector.Report(a, Outcome.FromStatus(500)));

        Assert.True(a.IsEjected(_clock.GetUtcNow()));
        Assert.False(a.IsAvailable(_clock.GetUtcNow()));
        Assert.Equal(1, a.EjectionCount);
        Assert.Equal(1, _counters.Ejections);
        Assert.Equal(1, _counters.Ejected);
    }

    [Fact]
    public void A_success_in_between_resets_the_count()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()]);

        Fail(detector, a, 4, Outcome.FromStatus(503));
        detector.Report(a, Outcome.FromStatus(200));
        Fail(detector, a, 4, Outcome.FromStatus(503));

        Assert.False(a.IsEjected(_clock.GetUtcNow()));
        Assert.True(detector.Report(a, Outcome.FromStatus(503)));
    }

    [Fact]
    public void Connect_failures_eject_on_their_own_threshold()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()], new OutlierDetectionPolicy { Consecutive5xx = 0, ConsecutiveConnectFailures = 3, BaseEjectionTime = Base, MaxEjectionPercent = 100 });

        Fail(detector, a, 2, Outcome.ConnectFailure);
        // A 5xx means the endpoint answered: the connect-failure streak ends.
        detector.Report(a, Outcome.FromStatus(500));
        Fail(detector, a, 2, Outcome.ConnectFailure);
        Assert.False(a.IsEjected(_clock.GetUtcNow()));

        Assert.True(detector.Report(a, Outcome.ConnectFailure));
    }

    [Fact]
    public void Gateway_errors_count_but_a_plain_500_ends_their_streak()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()], new OutlierDetectionPolicy { Consecutive5xx = 0, ConsecutiveGatewayErrors = 3, ConsecutiveConnectFailures = 0, BaseEjectionTime = Base, MaxEjectionPercent = 100 });

        Fail(detector, a, 2, Outcome.FromStatus(502));
        detector.Report(a, Outcome.FromStatus(500));
        Fail(detector, a, 2, Outcome.FromStatus(504));
        Assert.False(a.IsEjected(_clock.GetUtcNow()));

        Assert.True(detector.Report(a, Outcome.ConnectFailure));
    }

    [Fact]
    public void Ejection_time_grows_base_times_count_and_ends_by_itself()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()]);

        for (var n = 1; n <= 3; n++)
        {
            var start = _clock.GetUtcNow();
            Fail(detector, a, 5, Outcome.FromStatus(500));
            Assert.Equal(n, a.EjectionCount);
            Assert.Equal(start + Base * n, a.EjectedUntil);

            // Failures reported while ejected (panic-mode traffic) neither extend nor end it.
            Fail(detector, a, 10, Outcome.FromStatus(500));
            Assert.Equal(start + Base * n, a.EjectedUntil);

            _clock.Advance(Base * n - TimeSpan.FromMilliseconds(1));
            Assert.True(a.IsEjected(_clock.GetUtcNow()));
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.False(a.IsEjected(_clock.GetUtcNow()));
            Assert.True(a.IsAvailable(_clock.GetUtcNow()));
        }
        Assert.Equal(3, _counters.Ejections);
        Assert.Equal(0, _counters.Ejected);
    }

    [Fact]
    public void Max_ejection_percent_caps_simultaneous_ejections()
    {
        var all = Enumerable.Range(0, 4).Select(_ => Endpoint()).ToList();
        var detector = Detector(all, new OutlierDetectionPolicy { BaseEjectionTime = Base, MaxEjectionPercent = 50 });

        foreach (var upstream in all)
        {
            Fail(detector, upstream, 5, Outcome.FromStatus(500));
        }

        Assert.Equal(2, all.Count(u => u.IsEjected(_clock.GetUtcNow())));
        Assert.Equal(2, _counters.Ejections);
        Assert.Equal(2, _counters.EjectionsOverMax);

        // When the first ones return, the others can be ejected.
        _clock.Advance(Base);
        var left = all.Where(u => u.EjectionCount == 0).ToList();
        foreach (var upstream in left)
        {
            Fail(detector, upstream, 5, Outcome.FromStatus(500));
        }
        Assert.All(left, u => Assert.True(u.IsEjected(_clock.GetUtcNow())));
    }

    [Fact]
    public void The_default_ten_percent_still_ejects_one()
    {
        var all = Enumerable.Range(0, 3).Select(_ => Endpoint()).ToList();
        var detector = Detector(all, new OutlierDetectionPolicy { BaseEjectionTime = Base });

        foreach (var upstream in all)
        {
            Fail(detector, upstream, 5, Outcome.FromStatus(500));
        }

        Assert.Equal(1, all.Count(u => u.IsEjected(_clock.GetUtcNow())));
    }

    [Fact]
    public void A_passing_active_check_ends_an_ejection_early()
    {
        var a = Endpoint();
        var detector = Detector([a, Endpoint()]);
        Fail(detector, a, 5, Outcome.FromStatus(500));
        Assert.True(a.IsEjected(_clock.GetUtcNow()));

        detector.ActiveCheckPassed(a);

        Assert.False(a.IsEjected(_clock.GetUtcNow()));
        Assert.Equal(1, _counters.EarlyUnejections);
        // The count stays, so the next ejection is longer.
        Fail(detector, a, 5, Outcome.FromStatus(500));
        Assert.Equal(_clock.GetUtcNow() + Base * 2, a.EjectedUntil);
    }
}
