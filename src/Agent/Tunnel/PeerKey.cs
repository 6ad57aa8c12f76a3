using System.Net;
using Mesh.Agent.Net;
using Mesh.Identity;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// What makes two agent-to-agent connections interchangeable: the client identity presented, the identity the
/// server must prove, and the agent's address (ztunnel pools on the same triple); plus, for a pod served in-pod,
/// where the socket is made (its namespace), so that pods never share a connection and each pod's traffic leaves
/// from its own address.
/// </summary>
public sealed record PeerKey(SpiffeId Source, SpiffeId Destination, IPEndPoint Agent)
{
    /// <summary>Null: the agent's own namespace.</summary>
    internal SocketFactory? Via { get; init; }
}
