using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Inbound;

/// <summary>What the TLS handshake established about one inbound connection; kept as its mux connection's state.</summary>
internal sealed class InboundConnection
{
    /// <summary>The identity this agent presented (chosen by SNI).</summary>
    public SpiffeId? LocalIdentity { get; set; }

    /// <summary>Set once the peer's SVID verified; null means the handshake did not authenticate a peer.</summary>
    public SpiffeId? Peer { get; set; }

    /// <summary>The peer agent's address, for decision records.</summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>
    /// The source workload's address, known for certain: the peer's socket address when the registry places the peer's
    /// verified identity at that address (a tunnel made in-pod leaves from the pod's own address). Null otherwise.
    /// </summary>
    public IPAddress? SourceAddress { get; set; }

    /// <summary>In-pod: the pod whose namespace the listener is in; streams may reach only it. Null on the node's listener.</summary>
    public LocalWorkload? Pod { get; init; }

    /// <summary>How the workload is reached: from the agent's namespace, or from inside the pod's.</summary>
    public WorkloadBackend Backend { get; init; } = WorkloadBackend.Host;
}
