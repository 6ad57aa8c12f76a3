using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>
/// Services from the Kubernetes API: core/v1 Services, discovery.k8s.io/v1 EndpointSlices and core/v1 Pods (for each
/// endpoint's service account, and for the pods on this node), each kept by a list-and-watch reflector. The mapping is
/// <see cref="KubeMapping"/>. Until all three collections have been listed once, the set is empty; after that an
/// API failure keeps the last good set and is reported in <see cref="LastError"/> until the next good list.
/// </summary>
public sealed partial class KubernetesServiceSource : IServiceSource
{
    private readonly KubeApiClient _api;
    private readonly KubernetesSourceOptions _options;
    private readonly ILogger _logger;
    private readonly SourceState _state = new();
    private readonly KubeReflector<KubeService> _services;
    private readonly KubeReflector<KubeEndpointSlice> _slices;
    private readonly KubeReflector<KubePod> _pods;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new(); // serializes rebuilds so snapshots are published in order
    private Task[] _running = [];
    private volatile IReadOnlyList<LocalWorkload> _nodePods = [];
    private readonly TaskCompletionSource _firstSet = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Against the cluster the agent runs in (its service account's token and CA).</summary>
    public static KubernetesServiceSource InCluster(KubernetesSourceOptions options, ILogger<KubernetesServiceSource> logger, TimeProvider? time = null) =>
        new(KubeApiClient.InCluster(), options, logger, time);

    /// <summary>Against <paramref name="server"/> with no credentials (tests, or <c>kubectl proxy</c> on loopback).</summary>
    public static KubernetesServiceSource ForServer(Uri server, KubernetesSourceOptions options, ILogger<KubernetesServiceSource> logger, TimeProvider? time = null) =>
        new(new KubeApiClient(server, null, new SocketsHttpHandler()), options, logger, time);

    private KubernetesServiceSource(KubeApiClient api, KubernetesSourceOptions options, ILogger<KubernetesServiceSource> logger, TimeProvider? time)
    {
        _api = api;
        _options = options;
        _logger = logger;
        var clock = time ?? TimeProvider.System;
        _services = new(api, "/api/v1/services", KubeService.Parse, s => (s.Namespace, s.Name), Rebuild, Fail, options.RetryDelay, clock);
        _slices = new(api, "/apis/discovery.k8s.io/v1/endpointslices", KubeEndpointSlice.Parse, s => (s.Namespace, s.Name), Rebuild, Fail, options.RetryDelay, clock);
        _pods = new(api, "/api/v1/pods", KubePod.Parse, p => (p.Namespace, p.Name), Rebuild, Fail, options.RetryDelay, clock);
    }

    public string Name => "kubernetes";

    public IReadOnlyList<RegisteredService> Services => _state.Services;

    public string? LastError => _state.LastError;

    /// <summary>
    /// The pods scheduled on <see cref="KubernetesSourceOptions.NodeName"/>, as the pods file would list them but with
    /// <see cref="LocalWorkload.Netns"/> null (the API does not know it). Updated before <see cref="Changed"/>.
    /// </summary>
    public IReadOnlyList<LocalWorkload> NodePods => _nodePods;

    public event Action<IServiceSource>? Changed;

    /// <summary>Starts the reflectors; returns when all three have listed once or <paramref name="cancellationToken"/> ends the wait.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _running = [_services.RunAsync(_stop.Token), _slices.RunAsync(_stop.Token), _pods.RunAsync(_stop.Token)];
        try
        {
            await _firstSet.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Not synced yet: the reflectors keep trying; LastError says why.
        }
    }

    private void Rebuild()
    {
        lock (_gate)
        {
            if (!(_services.Synced && _slices.Synced && _pods.Synced))
            {
                return; // a partial view would drop endpoints whose pods are not listed yet
            }
            var pods = _pods.Snapshot();
            var services = KubeMapping.Services(_services.Snapshot().Values, _slices.Snapshot().Values, pods, _options.TrustDomain, _options.AgentPort);
            _nodePods = _options.NodeName is { } node ? KubeMapping.NodePods(pods.Values, node, _options.TrustDomain) : [];
            _state.Publish(services);
            _firstSet.TrySetResult();
            LogSynced(_logger, services.Count, services.Sum(s => s.Endpoints.Count), _nodePods.Count);
        }
        Changed?.Invoke(this);
    }

    private void Fail(string reason)
    {
        LogFailed(_logger, reason);
        if (_state.Fail(reason))
        {
            Changed?.Invoke(this);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
        _stop.Dispose();
        _api.Dispose();
    }

    [LoggerMessage(EventId = 830, Level = LogLevel.Debug, Message = "Kubernetes: {Services} service(s), {Endpoints} endpoint(s), {NodePods} pod(s) on this node")]
    private static partial void LogSynced(ILogger logger, int services, int endpoints, int nodePods);

    [LoggerMessage(EventId = 831, Level = LogLevel.Warning, Message = "Kubernetes API: {Reason}; keeping the last good services and listing again")]
    private static partial void LogFailed(ILogger logger, string reason);
}
