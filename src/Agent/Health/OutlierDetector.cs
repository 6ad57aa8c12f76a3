using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Health;

/// <summary>
/// Passive health checking for one service (Envoy's consecutive-error outlier detection): the TCP and HTTP paths
/// report each result; consecutive failures of a kind past its threshold eject the endpoint for
/// <see cref="EjectionRule.Duration"/>, unless <see cref="EjectionRule.Allowed"/> says too many are out already.
/// An ejection ends by itself when its time is up (<see cref="Upstream.IsEjected"/> reads the clock), or early when an
/// active check passes (<see cref="ActiveCheckPassed"/>, Envoy's successful_active_health_check_uneject_host).
/// </summary>
/// <remarks>
/// Counting follows Envoy without split_external_local_origin_errors: a connect failure is also a gateway error and a
/// 5xx; a gateway error is also a 5xx; any other result ends the streaks it does not extend. Once a threshold is
/// reached the streaks restart, whether or not the endpoint could be ejected. Results for an endpoint that is ejected
/// (traffic still reaches it in panic mode) are ignored, so they neither extend nor end its ejection.
/// </remarks>
internal sealed partial class OutlierDetector(string service, OutlierDetectionPolicy policy, HealthCounters counters, TimeProvider time, ILogger logger)
{
    // Guards _upstreams and _streaks together: an ejection decision reads every endpoint's state, and reports come
    // from many connections at once. Held only for counting, never across I/O.
    private readonly Lock _lock = new();
    private readonly Dictionary<Upstream, Streaks> _streaks = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyList<Upstream> _upstreams = [];

    /// <summary>The service's endpoints now; MaxEjectionPercent is a share of these. Streaks of removed ones are dropped.</summary>
    public void Update(IReadOnlyList<Upstream> upstreams)
    {
        lock (_lock)
        {
            _upstreams = upstreams;
            var current = new HashSet<Upstream>(upstreams, ReferenceEqualityComparer.Instance);
            foreach (var gone in _streaks.Keys.Where(u => !current.Contains(u)).ToList())
            {
                _streaks.Remove(gone);
            }
        }
    }

    /// <summary>Records one result for <paramref name="upstream"/>; true when it ejected the endpoint.</summary>
    public bool Report(Upstream upstream, Outcome outcome)
    {
        var now = time.GetUtcNow();
        string? reason;
        TimeSpan duration;
        lock (_lock)
        {
            if (upstream.IsEjected(now))
            {
                return false;
            }
            var streaks = _streaks.GetValueOrDefault(upstream).Add(outcome.Kind);
            reason = streaks.Tripped(policy);
            if (reason is null)
            {
                _streaks[upstream] = streaks;
                return false;
            }
            _streaks[upstream] = default;
            var ejected = _upstreams.Count(u => u.IsEjected(now));
            if (!EjectionRule.Allowed(ejected, Math.Max(_upstreams.Count, 1), policy.MaxEjectionPercent))
            {
                counters.EjectionOverMax();
                LogOverMax(logger, service, upstream.ToString(), reason, ejected, _upstreams.Count, policy.MaxEjectionPercent);
                return false;
            }
            duration = EjectionRule.Duration(policy.BaseEjectionTime, upstream.EjectionCount);
            upstream.Eject(now + duration);
        }
        counters.Ejection();
        LogEjected(logger, service, upstream.ToString(), reason, duration, upstream.EjectionCount);
        return true;
    }

    /// <summary>An active check of <paramref name="upstream"/> passed: an ejection in force ends now.</summary>
    public void ActiveCheckPassed(Upstream upstream)
    {
        lock (_lock)
        {
            if (!upstream.IsEjected(time.GetUtcNow()))
            {
                return;
            }
            upstream.Uneject();
            _streaks[upstream] = default;
        }
        counters.UnejectedEarly();
        LogUnejected(logger, service, upstream.ToString());
    }

    /// <summary>The consecutive-failure counts of one endpoint.</summary>
    private readonly record struct Streaks(int Errors5xx, int GatewayErrors, int ConnectFailures)
    {
        public Streaks Add(OutcomeKind kind) => kind switch
        {
            OutcomeKind.Http5xx => new(Errors5xx + 1, 0, 0),
            OutcomeKind.GatewayError => new(Errors5xx + 1, GatewayErrors + 1, 0),
            OutcomeKind.ConnectFailure => new(Errors5xx + 1, GatewayErrors + 1, ConnectFailures + 1),
            _ => default,
        };

        /// <summary>Which threshold these counts reach (0 disables one), or null.</summary>
        public string? Tripped(OutlierDetectionPolicy policy) =>
            policy.ConsecutiveConnectFailures > 0 && ConnectFailures >= policy.ConsecutiveConnectFailures ? $"{ConnectFailures} consecutive connect failures"
            : policy.ConsecutiveGatewayErrors > 0 && GatewayErrors >= policy.ConsecutiveGatewayErrors ? $"{GatewayErrors} consecutive gateway errors"
            : policy.Consecutive5xx > 0 && Errors5xx >= policy.Consecutive5xx ? $"{Errors5xx} consecutive 5xx"
            : null;
    }

    [LoggerMessage(EventId = 860, Level = LogLevel.Warning, Message = "Service {Service}: ejected {Endpoint} after {Reason} for {Duration} (ejection {Count})")]
    private static partial void LogEjected(ILogger logger, string service, string endpoint, string reason, TimeSpan duration, int count);

    [LoggerMessage(EventId = 861, Level = LogLevel.Warning, Message = "Service {Service}: {Endpoint} had {Reason} but stays in: {Ejected} of {Total} endpoints are ejected and at most {MaxPercent}% may be")]
    private static partial void LogOverMax(ILogger logger, string service, string endpoint, string reason, int ejected, int total, int maxPercent);

    [LoggerMessage(EventId = 862, Level = LogLevel.Information, Message = "Service {Service}: {Endpoint} passed an active health check; its ejection ends early")]
    private static partial void LogUnejected(ILogger logger, string service, string endpoint);
}
