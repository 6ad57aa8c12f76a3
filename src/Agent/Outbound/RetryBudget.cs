using Mesh.Agent.Config;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Envoy's retry budget for one service: retries in flight may be at most <see cref="RetryPolicy.BudgetPercent"/> of the
/// requests in flight, but never fewer than <see cref="RetryPolicy.MinRetryConcurrency"/>, so retries cannot multiply
/// load on a service that is already failing (a retry storm).
/// </summary>
internal sealed class RetryBudget(RetryPolicy policy)
{
    private int _inFlight;
    private long _exhausted;

    /// <summary>Retries not made because the budget was spent.</summary>
    public long Exhausted => Interlocked.Read(ref _exhausted);

    public bool TryStart(int activeRequests)
    {
        var allowed = Math.Max(policy.MinRetryConcurrency, (int)(activeRequests * policy.BudgetPercent / 100));
        if (Interlocked.Increment(ref _inFlight) > allowed)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _exhausted);
            return false;
        }
        return true;
    }

    public void Finish() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Fully jittered exponential backoff before retry number <paramref name="retry"/> (1-based), as Envoy does.</summary>
    public TimeSpan Backoff(int retry, Random random)
    {
        var ceiling = Math.Min(policy.BackoffMax.TotalMilliseconds, policy.BackoffBase.TotalMilliseconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
