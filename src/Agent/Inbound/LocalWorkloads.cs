using System.Net;
using Mesh.Agent.Config;

namespace Mesh.Agent.Inbound;

/// <summary>The workloads this agent serves, by address and port. The inbound side forwards only to these (never an open proxy).</summary>
internal sealed class LocalWorkloads(IReadOnlyList<LocalWorkload> workloads)
{
    private readonly Dictionary<IPEndPoint, (LocalWorkload Workload, WorkloadPort Port)> _byEndpoint =
        workloads.SelectMany(w => w.Ports.Select(p => (Key: new IPEndPoint(w.Address, p.Port), Value: (w, p))))
                 .ToDictionary(x => x.Key, x => x.Value);

    public bool TryFind(IPEndPoint endpoint, out LocalWorkload workload, out WorkloadPort port)
    {
        if (_byEndpoint.TryGetValue(endpoint, out var found))
        {
            (workload, port) = found;
            return true;
        }
        workload = null!;
        port = null!;
        return false;
    }
}
