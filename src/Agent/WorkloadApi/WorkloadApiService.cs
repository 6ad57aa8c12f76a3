using Grpc.Core;
using Mesh.Agent.Identity;
using Mesh.Agent.WorkloadApi.Protocol;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// The SPIFFE Workload API, X.509 profile here and JWT profile in the other part. <see cref="WorkloadApiGuard"/> has
/// already checked the security header and found the caller's workloads.
/// </summary>
internal sealed partial class WorkloadApiService(CredentialStore credentials, JwtProfile? jwt, ILogger<WorkloadApiService> logger)
    : SpiffeWorkloadAPI.SpiffeWorkloadAPIBase
{
    // A certificate that expires without a renewal fires no event; look again this often.
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    public override async Task FetchX509SVID(X509SVIDRequest request, IServerStreamWriter<X509SVIDResponse> responseStream, ServerCallContext context)
    {
        var caller = WorkloadApiGuard.Caller(context);
        LogX509Stream(logger, caller.Facts.Peer.ToString(), string.Join(", ", caller.Identities));
        using var signal = new CredentialSignal(credentials);
        IReadOnlyList<WorkloadCredentials> sent = [];
        var ct = context.CancellationToken;
        while (!ct.IsCancellationRequested)
        {
            // Only identities with a valid certificate; while none has one yet, wait (the caller is entitled, its first
            // certificate is on its way; the client's deadline or cancellation ends the wait).
            var current = caller.Identities
                .Select(id => credentials.TryGet(id, out var c) ? c : null)
                .OfType<WorkloadCredentials>()
                .ToList();
            // Each Set makes new credentials, so reference equality is "renewed or not"; a new bundle comes with a Set too.
            if (current.Count > 0 && !current.SequenceEqual(sent, ReferenceEqualityComparer.Instance))
            {
                await responseStream.WriteAsync(X509Responses.Svids(current), ct).ConfigureAwait(false);
                sent = current;
            }
            if (!await WaitAsync(signal, ct).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    public override async Task FetchX509Bundles(X509BundlesRequest request, IServerStreamWriter<X509BundlesResponse> responseStream, ServerCallContext context)
    {
        using var signal = new CredentialSignal(credentials);
        Google.Protobuf.ByteString? sent = null;
        var ct = context.CancellationToken;
        while (!ct.IsCancellationRequested)
        {
            if (credentials.Bundle is { } bundle && X509Responses.BundleDer(bundle) is var der && !der.Equals(sent))
            {
                await responseStream.WriteAsync(X509Responses.Bundles(bundle), ct).ConfigureAwait(false);
                sent = der;
            }
            if (!await WaitAsync(signal, ct).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>False when the call ended.</summary>
    private static async Task<bool> WaitAsync(CredentialSignal signal, CancellationToken ct)
    {
        try
        {
            await signal.WaitAsync(Recheck, ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Workload API: X.509-SVID stream for {Peer} as {Identities}")]
    private static partial void LogX509Stream(ILogger logger, string peer, string identities);
}
