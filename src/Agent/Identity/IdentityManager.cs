using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Identity;

/// <summary>
/// Fetches an SVID from the CA for every identity this node serves and renews it at half-life.
/// "When" comes from <see cref="RenewalSchedule"/>; "how" is the CA client; the result goes through the <see cref="CredentialStore"/>.
/// </summary>
public sealed partial class IdentityManager(
    IReadOnlyCollection<SpiffeId> identities,
    Func<SpiffeId, CancellationToken, Task<IssuedSvid>> fetch,
    CredentialStore store,
    TimeProvider time,
    ILogger<IdentityManager> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    /// <summary>Starts one renewal loop per identity and waits until each has a first certificate or <paramref name="ct"/> fires.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var firsts = new List<Task>();
        foreach (var id in identities)
        {
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            firsts.Add(first.Task);
            _loops.Add(Task.Run(() => RunAsync(id, first, _stop.Token)));
        }
        await Task.WhenAll(firsts).WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task RunAsync(SpiffeId id, TaskCompletionSource first, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var svid = await fetch(id, ct).ConfigureAwait(false);
                store.Set(svid);
                failures = 0;
                first.TrySetResult();
                wait = RenewalSchedule.RenewIn(svid.NotBefore, svid.NotAfter, time.GetUtcNow());
                LogIssued(logger, id.ToString(), svid.NotAfter, wait);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = RenewalSchedule.Backoff(failures++);
                // The old certificate, if still valid, keeps serving; without one, handshakes for this identity fail closed.
                LogFetchFailed(logger, id.ToString(), e.Message, store.HasValid(id), wait);
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
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Certificate for {Identity} installed, valid until {NotAfter:O}; renewing in {RenewIn}")]
    private static partial void LogIssued(ILogger logger, string identity, DateTimeOffset notAfter, TimeSpan renewIn);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Certificate for {Identity} could not be obtained: {Reason}. Still holding a valid certificate: {HasValid}. Retrying in {RetryIn}")]
    private static partial void LogFetchFailed(ILogger logger, string identity, string reason, bool hasValid, TimeSpan retryIn);
}
