using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Identity;

/// <summary>
/// Polls the CA's trust bundle and installs it when it changes, so a root rotation reaches the agent (a new root before
/// anything is signed under it, the old one gone after) without a restart. Only the bundle used to verify new handshakes
/// changes; established connections are left alone.
/// </summary>
public sealed partial class TrustBundleWatcher(NodeIdentity node, CredentialStore store, TimeSpan interval, TimeProvider time, ILogger<TrustBundleWatcher> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
                var client = await node.ClientAsync(ct).ConfigureAwait(false);
                var (bundle, state) = await client.GetTrustBundleAsync(ct).ConfigureAwait(false);
                if (store.Bundle is not { } current || current.ToPem() != bundle.ToPem())
                {
                    store.UpdateBundle(bundle);
                    LogBundleChanged(logger, bundle.Roots.Count, state, string.Join(", ", bundle.Roots.Select(r => r.Thumbprint)));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is CaClientException or InvalidOperationException)
            {
                // The bundle in hand keeps working; the next poll tries again.
                LogPollFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Trust bundle updated: {Roots} root(s) ({Thumbprints}); CA rotation state {State}")]
    private static partial void LogBundleChanged(ILogger logger, int roots, string state, string thumbprints);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Trust bundle not refreshed: {Reason}; keeping the current one")]
    private static partial void LogPollFailed(ILogger logger, string reason);
}
