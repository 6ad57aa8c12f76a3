using System.Collections.Concurrent;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Identity;

/// <summary>
/// Keeps one SVID per identity served on this node: fetched when the identity is added (a workload appears), renewed at
/// half-life ±10% jitter, at most <c>maxConcurrentRequests</c> CSRs in flight, exponential backoff 0.5 s → 150 s on
/// failure. "When" comes from <see cref="RenewalSchedule"/>; "how" is the fetch function; the result goes through the
/// <see cref="CredentialStore"/>, which keeps serving the still-valid certificate through a CA outage.
/// </summary>
public sealed partial class IdentityManager : IAsyncDisposable
{
    private readonly Func<SpiffeId, CancellationToken, Task<IssuedSvid>> _fetch;
    private readonly CredentialStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<IdentityManager> _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<SpiffeId, Loop> _loops = new();
    private readonly IReadOnlyCollection<SpiffeId> _initial;

    private sealed record Loop(Task Task, CancellationTokenSource Cancel, Task FirstCertificate);

    public IdentityManager(
        IReadOnlyCollection<SpiffeId> identities,
        Func<SpiffeId, CancellationToken, Task<IssuedSvid>> fetch,
        CredentialStore store,
        TimeProvider time,
        ILogger<IdentityManager> logger,
        int maxConcurrentRequests = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentRequests, 1);
        _initial = identities;
        _fetch = fetch;
        _store = store;
        _time = time;
        _logger = logger;
        _inFlight = new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests);
    }

    /// <summary>The identities currently kept.</summary>
    public IReadOnlyCollection<SpiffeId> Identities => [.. _loops.Keys];

    /// <summary>Starts a loop per initial identity and waits until each has a first certificate or <paramref name="ct"/> fires.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var firsts = _initial.Select(Add).ToList();
        await Task.WhenAll(firsts).WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts keeping <paramref name="id"/> (idempotent); the task completes when it has its first certificate.</summary>
    public Task Add(SpiffeId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var loop = _loops.GetOrAdd(id, key =>
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new Loop(Task.Run(() => RunAsync(key, first, cancel.Token)), cancel, first.Task);
        });
        return loop.FirstCertificate;
    }

    /// <summary>Stops keeping <paramref name="id"/> and forgets its certificate (its workload left this node).</summary>
    public async Task RemoveAsync(SpiffeId id)
    {
        if (_loops.TryRemove(id, out var loop))
        {
            await loop.Cancel.CancelAsync().ConfigureAwait(false);
            await loop.Task.ConfigureAwait(false);
            loop.Cancel.Dispose();
            _store.Remove(id);
        }
    }

    private async Task RunAsync(SpiffeId id, TaskCompletionSource first, CancellationToken ct)
    {
        var failures = 0;
        // Each identity keeps its own offset within ±10% of half-life.
        var jitter = Random.Shared.NextDouble() * 2 - 1;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                IssuedSvid svid;
                await _inFlight.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    svid = await _fetch(id, ct).ConfigureAwait(false);
                }
                finally
                {
                    _inFlight.Release();
                }
                _store.Set(svid);
                failures = 0;
                first.TrySetResult();
                wait = RenewalSchedule.RenewIn(svid.NotBefore, svid.NotAfter, _time.GetUtcNow(), jitter);
                LogIssued(_logger, id.ToString(), svid.NotAfter, wait);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = RenewalSchedule.Backoff(failures++);
                // The old certificate, if still valid, keeps serving; without one, handshakes for this identity fail closed.
                var hasValid = _store.HasValid(id);
                if (hasValid)
                {
                    LogFetchFailed(_logger, id.ToString(), e.Message, wait);
                }
                else
                {
                    LogNoValidCertificate(_logger, id.ToString(), e.Message, wait);
                }
            }
            try
            {
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops.Values.Select(l => l.Task)).ConfigureAwait(false);
        foreach (var loop in _loops.Values)
        {
            loop.Cancel.Dispose();
        }
        _stop.Dispose();
        _inFlight.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Certificate for {Identity} installed, valid until {NotAfter:O}; renewing in {RenewIn}")]
    private static partial void LogIssued(ILogger logger, string identity, DateTimeOffset notAfter, TimeSpan renewIn);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Certificate for {Identity} could not be renewed: {Reason}. The current certificate keeps serving; retrying in {RetryIn}")]
    private static partial void LogFetchFailed(ILogger logger, string identity, string reason, TimeSpan retryIn);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "No valid certificate for {Identity}: {Reason}. Its connections are refused (fail closed, no plaintext fallback) and /ready reports it; retrying in {RetryIn}")]
    private static partial void LogNoValidCertificate(ILogger logger, string identity, string reason, TimeSpan retryIn);
}
