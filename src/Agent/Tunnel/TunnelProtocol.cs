namespace Mesh.Agent.Tunnel;

/// <summary>Names on the agent-to-agent wire. docs/protocol.md is the specification; keep the two in step.</summary>
public static class TunnelProtocol
{
    /// <summary>The `:protocol` of an extended CONNECT (RFC 8441) that carries one raw TCP connection.</summary>
    public const string ConnectTcp = "connect-tcp";

    /// <summary>Request header naming the destination workload's ip:port; the receiving agent must serve it.</summary>
    public const string DestinationHeader = "mesh-destination";

    /// <summary>The authority used on the wire between agents; routing uses <see cref="DestinationHeader"/>.</summary>
    public const string PeerAuthority = "mesh-peer";

    /// <summary>Body of a 403 from an authorization DENY, as Envoy and Istio send it.</summary>
    public const string DeniedBody = "RBAC: access denied";
}
