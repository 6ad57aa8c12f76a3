using System.Collections.Frozen;
using System.Net;
using Mesh.Agent.Config;

namespace Mesh.Agent.Inbound;

/// <summary>
/// The workloads this agent serves, by address and port. The inbound side forwards only to these (never an open
/// proxy). Pods come and go at runtime; readers see an immutable snapshot, swapped whole.
/// </summary>
internal sealed class LocalWorkloads
{
    private readonly Lock _lock = new();
    private readonly List<LocalWorkload> _all;
    private FrozenDictionary<IPEndPoint, (LocalWorkload Workload, WorkloadPort Port)> _byEndpoint;
    private FrozenDictionary<IPAddress, LocalWorkload> _podsByAddress = FrozenDictionary<IPAddress, LocalWorkload>.Empty;

    public LocalWorkloads(IReadOnlyList<LocalWorkload> workloads)
    {
        _all = [.. workloads];
        _byEndpoint = Index(_all);
        _podsByAddress = Pods(_all);
    }

    public bool TryFind(IPEndPoint endpoint, out LocalWorkload workload, out WorkloadPort port)
    {
        if (Volatile.Read(ref _byEndpoint).TryGetValue(endpoint, out var found))
        {
            (workload, port) = found;
            return true;
        }
        workload = null!;
        port = null!;
        return false;
    }

    /// <summary>
    /// A pod served in-pod whose own address is <paramref name="address"/>: any of its ports may be reached (Istio's inbound
    /// passthrough), since the address is the pod's alone. Node-level workloads are never found this way: their address
    /// (often 127.0.0.1) is shared with everything else on the node.
    /// </summary>
    public bool TryFindPod(IPAddress address, out LocalWorkload pod) => Volatile.Read(ref _podsByAddress).TryGetValue(address, out pod!);

    /// <summary>Serves <paramref name="workload"/> from now on (a pod that arrived).</summary>
    public void Add(LocalWorkload workload)
    {
        lock (_lock)
        {
            _all.Add(workload);
            Volatile.Write(ref _byEndpoint, Index(_all));
            Volatile.Write(ref _podsByAddress, Pods(_all));
        }
    }

    /// <summary>Stops serving <paramref name="workload"/> (a pod that left).</summary>
    public void Remove(LocalWorkload workload)
    {
        lock (_lock)
        {
            _all.Remove(workload);
            Volatile.Write(ref _byEndpoint, Index(_all));
            Volatile.Write(ref _podsByAddress, Pods(_all));
        }
    }

    private static FrozenDictionary<IPAddress, LocalWorkload> Pods(List<LocalWorkload> workloads) =>
        workloads.Where(w => w.Netns is not null).GroupBy(w => w.Address).ToFrozenDictionary(g => g.Key, g => g.Last());

    // A later entry for the same address and port wins, so a pod replacing another's address takes over.
    private static FrozenDictionary<IPEndPoint, (LocalWorkload, WorkloadPort)> Index(List<LocalWorkload> workloads)
    {
        var index = new Dictionary<IPEndPoint, (LocalWorkload, WorkloadPort)>();
        foreach (var w in workloads)
        {
            foreach (var p in w.Ports)
            {
                index[new IPEndPoint(w.Address, p.Port)] = (w, p);
            }
        }
        return index.ToFrozenDictionary();
    }
}
