using Mesh.Policy;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Policy;

/// <summary>
/// Holds the current policy snapshot and reloads it when the directory changes. A reload with errors is
/// rejected as a whole: the agent keeps enforcing the last good snapshot and logs every error.
/// </summary>
public sealed partial class PolicyStore : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private readonly string _dir;
    private readonly PolicyLoaderOptions _options;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _reloadTimer;
    // Serializes reloads (watcher timer and explicit calls); readers never take it.
    private readonly Lock _reloadLock = new();
    private Snapshot _current;
    private int _generation;
    private int _rejected;
    private IReadOnlyList<string> _lastErrors = [];

    /// <summary>Raised after a reload installed a new snapshot (on the reload thread); open connections are re-checked.</summary>
    public event Action<PolicySet>? Changed;

    private PolicyStore(string dir, PolicyLoaderOptions options, Snapshot initial, ILogger logger, bool watch)
    {
        _dir = dir;
        _options = options;
        _logger = logger;
        _current = initial;
        _reloadTimer = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        if (watch)
        {
            _watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            _watcher.Changed += (_, _) => ScheduleReload();
            _watcher.Created += (_, _) => ScheduleReload();
            _watcher.Deleted += (_, _) => ScheduleReload();
            _watcher.Renamed += (_, _) => ScheduleReload();
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Loads the directory; with errors the agent must not start (it would otherwise enforce a policy nobody wrote).</summary>
    public static PolicyStore Open(string dir, PolicyLoaderOptions options, ILogger logger, bool watch = true)
    {
        var result = PolicyLoader.LoadDirectory(dir, options);
        if (!result.Ok)
        {
            throw new Config.ConfigException($"policies in {dir} are invalid:\n  " + string.Join("\n  ", result.Errors));
        }
        var snapshot = Snapshot.Of(result);
        LogLoaded(logger, snapshot.Policies.Count, snapshot.PeerAuthentications.Count, snapshot.RequestAuthentications.Count, dir);
        return new PolicyStore(dir, options, snapshot, logger, watch);
    }

    public PolicySet Current => Volatile.Read(ref _current).Policies;

    /// <summary>
    /// The PeerAuthentications of the same snapshot as <see cref="Current"/>: which mTLS mode applies to a local
    /// workload port. Inbound accepts only mTLS today; plaintext under PERMISSIVE (issue #6) will consult this.
    /// </summary>
    public PeerAuthenticationSet PeerAuthentications => Volatile.Read(ref _current).PeerAuthentications;

    /// <summary>The RequestAuthentications of the same snapshot; the inbound agent verifies JWTs with them (Authn/RequestAuthenticator).</summary>
    public RequestAuthenticationSet RequestAuthentications => Volatile.Read(ref _current).RequestAuthentications;

    /// <summary>Counts successful reloads; tests and operators use it to see that a change took effect.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Reloads refused because the directory had errors (the last good snapshot stayed in force).</summary>
    public int RejectedReloads => Volatile.Read(ref _rejected);

    /// <summary>The errors of the most recent reload attempt; empty when it succeeded.</summary>
    public IReadOnlyList<string> LastErrors => Volatile.Read(ref _lastErrors);

    private void ScheduleReload() => _reloadTimer.Change(Debounce, Timeout.InfiniteTimeSpan);

    /// <summary>Loads the directory again; returns false (keeping the current snapshot) when it has errors.</summary>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            var result = PolicyLoader.LoadDirectory(_dir, _options);
            if (!result.Ok)
            {
                Volatile.Write(ref _lastErrors, result.Errors.Select(e => e.ToString()).ToList());
                Interlocked.Increment(ref _rejected);
                foreach (var error in result.Errors)
                {
                    LogReloadError(_logger, error);
                }
                LogReloadRejected(_logger, _dir, result.Errors.Count, string.Join("; ", result.Errors));
                return false;
            }
            var snapshot = Snapshot.Of(result);
            Volatile.Write(ref _current, snapshot);
            Volatile.Write(ref _lastErrors, []);
            Interlocked.Increment(ref _generation);
            LogLoaded(_logger, snapshot.Policies.Count, snapshot.PeerAuthentications.Count, snapshot.RequestAuthentications.Count, _dir);
            Changed?.Invoke(snapshot.Policies);
            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _reloadTimer.Dispose();
    }

    /// <summary>All kinds from one load, swapped as one reference so readers never mix two loads.</summary>
    private sealed record Snapshot(PolicySet Policies, PeerAuthenticationSet PeerAuthentications, RequestAuthenticationSet RequestAuthentications)
    {
        public static Snapshot Of(PolicyLoadResult ok) => new(ok.Policies!, ok.PeerAuthentications!, ok.RequestAuthentications!);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Loaded {Count} authorization policies, {PeerCount} PeerAuthentications and {RequestCount} RequestAuthentications from {Dir}")]
    private static partial void LogLoaded(ILogger logger, int count, int peerCount, int requestCount, string dir);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Policy error: {Error}")]
    private static partial void LogReloadError(ILogger logger, PolicyError error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Policy reload from {Dir} rejected, {Count} errors; still enforcing the last good policies: {Errors}")]
    private static partial void LogReloadRejected(ILogger logger, string dir, int count, string errors);
}
