using System.Collections.Frozen;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>
/// Node-scoped delegation, Istio ambient's rule: a node may obtain SVIDs only for the service accounts of workloads
/// registered on it. The file is re-read when it changes (checked at most once a second); a bad edit is logged and the
/// last good registry stays in force. No registry file means no workload SVIDs at all (fail closed).
/// </summary>
internal sealed partial class WorkloadRegistry(string? path, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private FrozenSet<(string Node, string Namespace, string ServiceAccount)> _entries = FrozenSet<(string, string, string)>.Empty;
    private DateTime _loadedWrite = DateTime.MinValue;
    private long _loadedLength = -1;
    private DateTimeOffset _nextCheck = DateTimeOffset.MinValue;

    internal string? Path => path;

    /// <summary>Loads the file now; errors propagate (a CA must not start on a broken registry).</summary>
    internal void LoadInitial()
    {
        if (path is not null)
        {
            Install(WorkloadRegistryFile.Load(path), new FileInfo(path));
        }
    }

    internal bool Allows(string node, SpiffeId id, out string reason)
    {
        reason = "";
        if (path is null)
        {
            reason = "the CA has no workload registry, so no node may obtain workload SVIDs";
            return false;
        }
        RefreshIfChanged();
        var segments = id.Path.Split('/');
        // Workload identities are exactly /ns/<ns>/sa/<sa>.
        if (segments is not ["", "ns", var ns, "sa", var sa])
        {
            reason = $"{id} is not a workload identity (/ns/<namespace>/sa/<serviceAccount>)";
            return false;
        }
        if (!Volatile.Read(ref _entries).Contains((node, ns, sa)))
        {
            reason = $"no workload with service account {ns}/{sa} is registered on node {node}";
            return false;
        }
        return true;
    }

    private void RefreshIfChanged()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now < _nextCheck)
            {
                return;
            }
            _nextCheck = now + TimeSpan.FromSeconds(1);
            var info = new FileInfo(path!);
            if (!info.Exists)
            {
                LogReloadFailed(logger, path!, "the file is missing; keeping the last good registry");
                return;
            }
            if (info.LastWriteTimeUtc == _loadedWrite && info.Length == _loadedLength)
            {
                return;
            }
            try
            {
                Install(WorkloadRegistryFile.Load(path!), info);
                LogReloaded(logger, path!, _entries.Count);
            }
            catch (CaConfigException e)
            {
                // Remember the broken version so it is not re-parsed every second; a later edit is tried again.
                _loadedWrite = info.LastWriteTimeUtc;
                _loadedLength = info.Length;
                LogReloadFailed(logger, path!, e.Message);
            }
        }
    }

    private void Install(IReadOnlyList<RegisteredWorkload> workloads, FileInfo info)
    {
        Volatile.Write(ref _entries, workloads.Select(w => (w.Node, w.Namespace, w.ServiceAccount)).ToFrozenSet());
        _loadedWrite = info.LastWriteTimeUtc;
        _loadedLength = info.Length;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Workload registry {Path} reloaded: {Count} entries")]
    private static partial void LogReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Workload registry {Path} not reloaded: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
