using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// What health checking did for one service, for /stats and /metrics: running totals (ejections, checks, failures)
/// and the current state of the endpoints (unhealthy, ejected), read from the endpoints themselves so the two can
/// never disagree. Thread-safe: totals are interlocked, the endpoint list is swapped whole.
/// </summary>
internal sealed class HealthCounters(TimeProvider time)
{
    private long _activeChecks;
    private long _activeCheckFailures;
    private long _unhealthyTransitions;
    private long _ejections;
    private long _ejectionsOverMax;
    private long _earlyUnejections;
    private IReadOnlyList<Upstream> _upstreams = [];

    /// <summary>Active probes run (every result, passed or not).</summary>
    public long ActiveChecks => Interlocked.Read(ref _activeChecks);

    /// <summary>Active probes that failed (refused, bad status, not SERVING, timed out).</summary>
    public long ActiveCheckFailures => Interlocked.Read(ref _activeCheckFailures);

    /// <summary>Times an endpoint went from healthy to unhealthy by active checking.</summary>
    public long UnhealthyTransitions => Interlocked.Read(ref _unhealthyTransitions);

    /// <summary>Ejections by outlier detection (Envoy's ejections_enforced_total).</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    /// <summary>Outliers left in because ejecting them would pass MaxEjectionPercent (Envoy's ejections_overflow).</summary>
    public long EjectionsOverMax => Interlocked.Read(ref _ejectionsOverMax);

    /// <summary>Ejections ended early by a passing active check.</summary>
    public long EarlyUnejections => Interlocked.Read(ref _earlyUnejections);

    /// <summary>The service's endpoints now.</summary>
    public int Endpoints => Volatile.Read(ref _upstreams).Count;

    /// <summary>Endpoints the active checker holds unhealthy now.</summary>
    public int Unhealthy => Volatile.Read(ref _upstreams).Count(u => !u.ActiveHealthy);

    /// <summary>Endpoints outlier detection has ejected now (Envoy's ejections_active).</summary>
    public int Ejected
    {
        get
        {
            var now = time.GetUtcNow();
            return Volatile.Read(ref _upstreams).Count(u => u.IsEjected(now));
        }
    }

    internal void Track(IReadOnlyList<Upstream> upstreams) => Volatile.Write(ref _upstreams, upstreams);

    internal void ActiveCheck(bool passed)
    {
        Interlocked.Increment(ref _activeChecks);
        if (!passed)
        {
            Interlocked.Increment(ref _activeCheckFailures);
        }
    }

    internal void TurnedUnhealthy() => Interlocked.Increment(ref _unhealthyTransitions);

    internal void Ejection() => Interlocked.Increment(ref _ejections);

    internal void EjectionOverMax() => Interlocked.Increment(ref _ejectionsOverMax);

    internal void UnejectedEarly() => Interlocked.Increment(ref _earlyUnejections);
}
