namespace Mesh.Agent.Intercept;

/// <summary>What happens to a captured connection whose destination is no workload in the registry.</summary>
public enum OutsideMeshMode
{
    /// <summary>Connect to it directly from the pod, as the app would have (Istio's ALLOW_ANY).</summary>
    Passthrough,

    /// <summary>Close the app's connection (Istio's REGISTRY_ONLY).</summary>
    Refuse,
}

/// <summary>
/// In-pod transparent interception: the pods file the agent serves, and the ports it listens on inside each pod's
/// network namespace (the ports <c>mesh redirect install</c> sends traffic to).
/// </summary>
public sealed record InterceptOptions
{
    public const int DefaultTunnelPort = Redirect.RedirectOptions.DefaultTunnelPort;

    /// <summary>The pods file (watched): each pod's name, namespace, service account, netns, address, labels and ports.</summary>
    public required string PodsFile { get; init; }

    /// <summary>Captured outbound TCP arrives here (REDIRECT --to-ports); the original destination comes from SO_ORIGINAL_DST.</summary>
    public int OutboundPort { get; init; } = Redirect.RedirectOptions.DefaultOutboundPort;

    /// <summary>Captured inbound plaintext arrives here; PeerAuthentication decides whether it is refused (STRICT) or served (PERMISSIVE).</summary>
    public int InboundPort { get; init; } = Redirect.RedirectOptions.DefaultInboundPort;

    /// <summary>Peer agents' mTLS connections to this pod arrive here (Istio's HBONE port); the registry names it as the pod's agent.</summary>
    public int TunnelPort { get; init; } = DefaultTunnelPort;

    /// <summary>SO_MARK on the agent's sockets inside pods; must match the redirect rules' mark.</summary>
    public uint Mark { get; init; } = Redirect.RedirectOptions.DefaultMark;

    public OutsideMeshMode OutsideMesh { get; init; } = OutsideMeshMode.Passthrough;
}
