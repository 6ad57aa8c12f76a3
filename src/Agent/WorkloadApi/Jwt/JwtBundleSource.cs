using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// The trust domain's JWT bundle (JWKS) as the CA publishes it: fetched at start, refreshed every
/// <see cref="RefreshEvery"/>, and on demand when a token names a key id we do not know (at most once per
/// <see cref="OnDemandEvery"/>, so that junk tokens cannot make us hammer the CA).
/// </summary>
internal sealed partial class JwtBundleSource(Func<CancellationToken, Task<string>> fetch, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan OnDemandEvery = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    // Serializes fetches; Current is read without it.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task _loop = Task.CompletedTask;
    private DateTimeOffset _lastFetch = DateTimeOffset.MinValue;
    private Snapshot? _current;

    public sealed record Snapshot(string Json, JsonWebKeySet Keys);

    /// <summary>Raised after the JWKS changed.</summary>
    public event Action? Changed;

    public Snapshot? Current => Volatile.Read(ref _current);

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Fetches now unless a fetch happened within <paramref name="minInterval"/>; returns the current snapshot.</summary>
    public async Task<Snapshot?> RefreshAsync(TimeSpan minInterval, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (time.GetUtcNow() - _lastFetch < minInterval && _current is not null)
            {
                return _current;
            }
            _lastFetch = time.GetUtcNow();
            var json = await fetch(ct).ConfigureAwait(false);
            if (json != _current?.Json)
            {
                Volatile.Write(ref _current, new Snapshot(json, new JsonWebKeySet(json)));
                LogUpdated(logger, _current.Keys.Keys.Count);
                Changed?.Invoke();
            }
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wait = RefreshEvery;
            try
            {
                await RefreshAsync(TimeSpan.Zero, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Keep the last good bundle; until the first one, JWT calls answer Unavailable.
                wait = Current is null ? TimeSpan.FromSeconds(5) : RefreshEvery;
                LogFetchFailed(logger, e.Message, wait);
            }
            try
            {
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
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
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "JWT bundle updated: {Keys} key(s)")]
    private static partial void LogUpdated(ILogger logger, int keys);

    [LoggerMessage(EventId = 721, Level = LogLevel.Warning, Message = "JWT bundle not fetched from the CA: {Reason}; retrying in {RetryIn}")]
    private static partial void LogFetchFailed(ILogger logger, string reason, TimeSpan retryIn);
}
