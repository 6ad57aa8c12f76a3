namespace Mesh.Agent.Health;

/// <summary>
/// The threshold rule of active checking, as Envoy applies it: a healthy endpoint turns unhealthy after
/// <c>unhealthyThreshold</c> consecutive failures, an unhealthy one healthy after <c>healthyThreshold</c> consecutive
/// successes; a result of the other kind restarts the count. Pure: the checker feeds it results and applies what it
/// returns. Starts from the endpoint's current state (healthy for a new one, like <see cref="Balancing.Upstream.ActiveHealthy"/>).
/// </summary>
internal struct HealthStreak(int healthyThreshold, int unhealthyThreshold, bool healthy = true)
{
    private int _successes;
    private int _failures;

    public bool Healthy { get; private set; } = healthy;

    /// <summary>Records one probe result; returns the new state when it changed, otherwise null.</summary>
    public bool? Record(bool success)
    {
        if (success)
        {
            _failures = 0;
            _successes++;
            if (!Healthy && _successes >= Math.Max(1, healthyThreshold))
            {
                Healthy = true;
                return true;
            }
        }
        else
        {
            _successes = 0;
            _failures++;
            if (Healthy && _failures >= Math.Max(1, unhealthyThreshold))
            {
                Healthy = false;
                return false;
            }
        }
        return null;
    }
}
