using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Health;

/// <summary>
/// Active health checking for one service: one loop per endpoint probes at once, then every Interval plus a random
/// part of Jitter, each probe bounded by Timeout (a timeout is a failure); <see cref="HealthStreak"/> turns the results
/// into <see cref="Upstream.ActiveHealthy"/>. A passing probe also ends an outlier ejection early, as Envoy's
/// successful_active_health_check_uneject_host (default true) does.
/// </summary>
/// <remarks>
/// New endpoints start healthy and stay so until UnhealthyThreshold probes fail in a row, so an endpoint set change
/// never empties the service while its first checks run; Envoy instead holds new hosts out until their first check
/// passes. Endpoints are told apart by reference: <see cref="Update"/> keeps the loop of an Upstream it already has.
/// </remarks>
internal sealed partial class ActiveHealthChecker(
    string service,
    HealthCheckPolicy policy,
    IHealthProbe probe,
    HealthCounters counters,
    TimeProvider time,
    ILogger logger,
    OutlierDetector? outliers = null,
    Func<double>? random = null) : IAsyncDisposable
{
    // Guards _loops and _disposed; held only to start or cancel loops, never while awaiting one.
    private readonly Lock _lock = new();
    private readonly Dictionary<Upstream, Loop> _loops = new(ReferenceEqualityComparer.Instance);
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;
    private bool _disposed;

    /// <summary>Endpoints checked now.</summary>
    public int Checking
    {
        get
        {
            lock (_lock)
            {
                return _loops.Count;
            }
        }
    }

    /// <summary>Starts checking endpoints new in <paramref name="upstreams"/> and stops checking those no longer in it.</summary>
    public void Update(IReadOnlyList<Upstream> upstreams)
    {
        var stopped = new List<Loop>();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var current = new HashSet<Upstream>(upstreams, ReferenceEqualityComparer.Instance);
            foreach (var (upstream, loop) in _loops.Where(e => !current.Contains(e.Key)).ToList())
            {
                _loops.Remove(upstream);
                stopped.Add(loop);
            }
            foreach (var upstream in current.Where(u => !_loops.ContainsKey(u)))
            {
                var stop = new CancellationTokenSource();
                _loops[upstream] = new Loop(stop, Task.Run(() => RunAsync(upstream, stop.Token), CancellationToken.None));
            }
        }
        foreach (var loop in stopped)
        {
            // Loops end promptly once cancelled and never throw; nobody needs to wait for one that was removed.
            _ = loop.StopAsync();
        }
    }

    private async Task RunAsync(Upstream upstream, CancellationToken ct)
    {
        var streak = new HealthStreak(policy.HealthyThreshold, policy.UnhealthyThreshold, upstream.ActiveHealthy);
        try
        {
            while (true)
            {
                var result = await ProbeOnceAsync(upstream, ct).ConfigureAwait(false);
                counters.ActiveCheck(result.Healthy);
                if (result.Healthy)
                {
                    outliers?.ActiveCheckPassed(upstream);
                }
                else
                {
                    LogCheckFailed(logger, service, upstream.ToString(), result.Detail);
                }
                if (streak.Record(result.Healthy) is { } healthy)
                {
                    upstream.ActiveHealthy = healthy;
                    if (healthy)
                    {
                        LogHealthy(logger, service, upstream.ToString(), policy.HealthyThreshold);
                    }
                    else
                    {
                        counters.TurnedUnhealthy();
                        LogUnhealthy(logger, service, upstream.ToString(), policy.UnhealthyThreshold, result.Detail);
                    }
                }
                await Task.Delay(policy.Interval + policy.Jitter * _random(), time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: the endpoint left the service or the checker is disposed.
        }
    }

    private async Task<ProbeResult> ProbeOnceAsync(Upstream upstream, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(policy.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            return await probe.ProbeAsync(upstream, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeResult.Fail($"no answer within {policy.Timeout.TotalMilliseconds} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A probe reports failures as results; anything else it throws is a failure of the endpoint too, and must
            // not end the loop.
            return ProbeResult.Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Loop> loops;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            loops = [.. _loops.Values];
            _loops.Clear();
        }
        await Task.WhenAll(loops.Select(l => l.StopAsync())).ConfigureAwait(false);
    }

    private sealed record Loop(CancellationTokenSource Stop, Task Task)
    {
        public async Task StopAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            await Task.ConfigureAwait(false);
            Stop.Dispose();
        }
    }

    [LoggerMessage(EventId = 850, Level = LogLevel.Warning, Message = "Service {Service}: {Endpoint} is unhealthy after {Threshold} failed checks: {Detail}")]
    private static partial void LogUnhealthy(ILogger logger, string service, string endpoint, int threshold, string detail);

    [LoggerMessage(EventId = 851, Level = LogLevel.Information, Message = "Service {Service}: {Endpoint} is healthy again after {Threshold} passed checks")]
    private static partial void LogHealthy(ILogger logger, string service, string endpoint, int threshold);

    [LoggerMessage(EventId = 852, Level = LogLevel.Debug, Message = "Service {Service}: health check of {Endpoint} failed: {Detail}")]
    private static partial void LogCheckFailed(ILogger logger, string service, string endpoint, string detail);
}
