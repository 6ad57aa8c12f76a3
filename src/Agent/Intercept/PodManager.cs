using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Inbound;
using Mesh.Agent.Tunnel;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Intercept;

/// <summary>
/// Keeps the set of pods served equal to the pods file: a pod that appears gets its identity's certificate first and
/// only then its listeners (fail closed: until then its captured traffic finds nothing listening and is reset); a pod
/// that disappears loses its listeners, its pooled tunnels and, when no other pod shares it, its identity. Other pods'
/// connections are never touched. A pods file with errors is rejected whole and the last good set keeps being served.
/// </summary>
internal sealed partial class PodManager : IAsyncDisposable
{
    private readonly InterceptOptions _options;
    private readonly TrustDomain _trustDomain;
    private readonly LocalWorkloads _workloads;
    private readonly IdentityManager _identities;
    private readonly PeerConnectionPool _pool;
    private readonly PodTraffic _traffic;
    private readonly IReadOnlySet<SpiffeId> _staticIdentities;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reconcile = new(1, 1);
    private readonly Dictionary<string, PodEntry> _pods = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private int _rejected;
    private string? _lastError;

    public PodManager(InterceptOptions options, TrustDomain trustDomain, LocalWorkloads workloads, IdentityManager identities, PeerConnectionPool pool,
        PodTraffic traffic, IReadOnlySet<SpiffeId> staticIdentities, ILogger<PodManager> logger)
    {
        _options = options;
        _trustDomain = trustDomain;
        _workloads = workloads;
        _identities = identities;
        _pool = pool;
        _traffic = traffic;
        _staticIdentities = staticIdentities;
        _logger = logger;
    }

    /// <summary>Pods whose listeners are open.</summary>
    public IReadOnlyList<string> Served { get { lock (_pods) { return [.. _pods.Values.Where(p => p.Server is not null).Select(p => p.Pod.Key).Order(StringComparer.Ordinal)]; } } }

    /// <summary>Pods listed but not served yet (no certificate yet, or their namespace cannot be entered).</summary>
    public IReadOnlyList<string> Pending { get { lock (_pods) { return [.. _pods.Values.Where(p => p.Server is null).Select(p => p.Pod.Key).Order(StringComparer.Ordinal)]; } } }

    /// <summary>Pods file edits rejected because of errors (the last good set stayed).</summary>
    public int RejectedReloads => Volatile.Read(ref _rejected);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Reads the pods file (a file with errors stops the start, like invalid policies) and starts watching it.</summary>
    public async Task StartAsync()
    {
        var pods = PodsLoader.Load(_options.PodsFile, _trustDomain);
        await ReconcileAsync(pods).ConfigureAwait(false);
        var dir = Path.GetDirectoryName(_options.PodsFile)!;
        _debounce = new Timer(_ => _ = ReloadAsync(), null, Timeout.Infinite, Timeout.Infinite);
        // The whole directory, not the file's name: a mounted ConfigMap changes by swapping its ..data symlink, which
        // raises no event for the file itself. A spurious reload is harmless (an unchanged pod is left alone).
        _watcher = new FileSystemWatcher(dir)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        FileSystemEventHandler changed = (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Deleted += changed;
        _watcher.Renamed += (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Re-reads the pods file now; false (and the last good set kept) when it has errors.</summary>
    public async Task<bool> ReloadAsync()
    {
        IReadOnlyList<LocalWorkload> pods;
        try
        {
            pods = PodsLoader.Load(_options.PodsFile, _trustDomain);
        }
        catch (ConfigException e)
        {
            Interlocked.Increment(ref _rejected);
            Volatile.Write(ref _lastError, e.Message);
            LogRejected(_logger, e.Message);
            return false;
        }
        Volatile.Write(ref _lastError, null);
        await ReconcileAsync(pods).ConfigureAwait(false);
        return true;
    }

    private async Task ReconcileAsync(IReadOnlyList<LocalWorkload> wanted)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _reconcile.WaitAsync().ConfigureAwait(false);
        try
        {
            var byKey = wanted.ToDictionary(p => p.Key, StringComparer.Ordinal);
            List<PodEntry> gone;
            lock (_pods)
            {
                // A pod whose definition changed (netns, address, ports, labels) is replaced: removed, then added again.
                gone = [.. _pods.Values.Where(e => !byKey.TryGetValue(e.Pod.Key, out var now) || !Same(e.Pod, now))];
                foreach (var entry in gone)
                {
                    _pods.Remove(entry.Pod.Key);
                }
            }
            foreach (var entry in gone)
            {
                await StopAsync(entry).ConfigureAwait(false);
            }
            foreach (var pod in wanted)
            {
                lock (_pods)
                {
                    if (_pods.ContainsKey(pod.Key))
                    {
                        continue;
                    }
                    var entry = new PodEntry(pod, CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
                    _pods[pod.Key] = entry;
                    entry.Starting = Task.Run(() => ServeAsync(entry));
                }
            }
        }
        finally
        {
            _reconcile.Release();
        }
    }

    private async Task ServeAsync(PodEntry entry)
    {
        var pod = entry.Pod;
        var ct = entry.Cancel.Token;
        try
        {
            LogWaitingForCertificate(_logger, pod.Key, pod.Identity.ToString());
            await _identities.Add(pod.Identity).WaitAsync(ct).ConfigureAwait(false);
            // Registered before the listeners open, so the first stream already finds its workload.
            _workloads.Add(pod);
            var delay = TimeSpan.FromMilliseconds(200);
            while (true)
            {
                try
                {
                    var server = await PodServer.StartAsync(pod, _options, _traffic, _logger).ConfigureAwait(false);
                    lock (_pods)
                    {
                        if (ct.IsCancellationRequested)
                        {
                            _ = server.DisposeAsync().AsTask();
                            return;
                        }
                        entry.Server = server;
                    }
                    LogServing(_logger, pod.Key, pod.Netns!, pod.Address.ToString());
                    return;
                }
                catch (IOException e)
                {
                    // The namespace is not there yet (the pods file can be written before the sandbox exists), or a port is taken.
                    LogCannotServe(_logger, pod.Key, e.Message, delay);
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Removed (or the agent stopped) before it was served.
        }
    }

    private async Task StopAsync(PodEntry entry)
    {
        await entry.Cancel.CancelAsync().ConfigureAwait(false);
        await entry.Starting.ConfigureAwait(false);
        _workloads.Remove(entry.Pod);
        if (entry.Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            await _pool.DropAsync(server.Sockets).ConfigureAwait(false);
        }
        entry.Cancel.Dispose();
        bool shared;
        lock (_pods)
        {
            shared = _pods.Values.Any(e => e.Pod.Identity.Equals(entry.Pod.Identity));
        }
        if (!shared && !_staticIdentities.Contains(entry.Pod.Identity))
        {
            await _identities.RemoveAsync(entry.Pod.Identity).ConfigureAwait(false);
        }
        LogStopped(_logger, entry.Pod.Key);
    }

    private static bool Same(LocalWorkload a, LocalWorkload b) =>
        a.Netns == b.Netns && a.Address.Equals(b.Address) && a.Identity.Equals(b.Identity)
        && a.Ports.SequenceEqual(b.Ports)
        && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        if (_debounce is not null)
        {
            await _debounce.DisposeAsync().ConfigureAwait(false);
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reconcile.WaitAsync().ConfigureAwait(false);
        List<PodEntry> all;
        lock (_pods)
        {
            all = [.. _pods.Values];
            _pods.Clear();
        }
        foreach (var entry in all)
        {
            await StopAsync(entry).ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private sealed class PodEntry(LocalWorkload pod, CancellationTokenSource cancel)
    {
        public LocalWorkload Pod => pod;
        public CancellationTokenSource Cancel => cancel;
        public Task Starting { get; set; } = Task.CompletedTask;
        public PodServer? Server { get; set; }
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Pod {Pod}: waiting for a certificate for {Identity} before serving it (its traffic is refused until then)")]
    private static partial void LogWaitingForCertificate(ILogger logger, string pod, string identity);

    [LoggerMessage(EventId = 621, Level = LogLevel.Information, Message = "Pod {Pod}: serving in {Netns} ({Address})")]
    private static partial void LogServing(ILogger logger, string pod, string netns, string address);

    [LoggerMessage(EventId = 622, Level = LogLevel.Warning, Message = "Pod {Pod}: cannot serve yet: {Reason}; retrying in {Delay}")]
    private static partial void LogCannotServe(ILogger logger, string pod, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 623, Level = LogLevel.Information, Message = "Pod {Pod}: left this node; its listeners and tunnels are closed")]
    private static partial void LogStopped(ILogger logger, string pod);

    [LoggerMessage(EventId = 624, Level = LogLevel.Error, Message = "Pods file rejected, still serving the last good set: {Error}")]
    private static partial void LogRejected(ILogger logger, string error);
}
