namespace Mesh.Agent.Tunnel;

/// <summary>Names on the agent-to-agent wire. docs/protocol.md is the specification; keep the two in step.</summary>
public static class TunnelProtocol
{
    /// <summary>Body of a 403 from an authorization DENY, as Envoy and Istio send it.</summary>
    public const string DeniedBody = "RBAC: access denied";

    /// <summary>Response header carrying the decision-log id of a refusal.</summary>
    public const string DecisionIdHeader = "mesh-decision-id";
}
