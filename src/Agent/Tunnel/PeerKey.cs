using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// What makes two agent-to-agent connections interchangeable: the client identity presented, the identity the
/// server must prove, and the agent's address (ztunnel pools on the same triple).
/// </summary>
public sealed record PeerKey(SpiffeId Source, SpiffeId Destination, IPEndPoint Agent);
