using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Balancing;

/// <summary>
/// What makes two registry entries the same endpoint across updates: the workload address, the agent in front of it and
/// the identity expected there. The weight is not part of it, so a reweighted endpoint keeps its runtime state.
/// </summary>
internal readonly record struct UpstreamKey(IPAddress Address, IPEndPoint Agent, SpiffeId Identity)
{
    public static UpstreamKey Of(ServiceEndpoint endpoint) => new(endpoint.Address, endpoint.Agent, endpoint.Identity);
}
