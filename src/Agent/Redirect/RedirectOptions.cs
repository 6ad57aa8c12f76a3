using System.Net;

namespace Mesh.Agent.Redirect;

/// <summary>
/// What traffic interception captures and where it sends it. Immutable; <see cref="RedirectRules"/> turns it into
/// iptables-restore text. CIDRs of both families may be mixed: each family's rules take only its own.
/// </summary>
public sealed record RedirectOptions
{
    /// <summary>Istio's ports: the outbound capture listener and the inbound one.</summary>
    public const int DefaultOutboundPort = 15001;
    public const int DefaultInboundPort = 15006;

    /// <summary>Where peer agents' mTLS tunnels arrive inside the pod (Istio's HBONE port); never captured.</summary>
    public const int DefaultTunnelPort = 15008;

    /// <summary>The mark the agent sets (SO_MARK) on its own sockets so that their traffic is never captured again.</summary>
    public const uint DefaultMark = 0x539;
    public const uint DefaultMarkMask = 0xfff;

    /// <summary>Where captured outbound TCP goes (REDIRECT --to-ports).</summary>
    public int OutboundPort { get; init; } = DefaultOutboundPort;

    /// <summary>Where captured inbound TCP goes when no entry of <see cref="InboundPortMap"/> matches; null: only the map is captured.</summary>
    public int? InboundPort { get; init; } = DefaultInboundPort;

    /// <summary>Per application port: the agent port its inbound connections go to (checked before <see cref="InboundPort"/>).</summary>
    public IReadOnlyList<KeyValuePair<int, int>> InboundPortMap { get; init; } = [];

    /// <summary>The agent's tunnel port inside the pod: inbound mTLS from peer agents reaches it uncaptured; null: none.</summary>
    public int? TunnelPort { get; init; } = DefaultTunnelPort;

    public uint Mark { get; init; } = DefaultMark;

    public uint MarkMask { get; init; } = DefaultMarkMask;

    /// <summary>Capture outbound only to these destinations; empty: capture every destination not excluded.</summary>
    public IReadOnlyList<IPNetwork> IncludeOutboundCidrs { get; init; } = [];

    public IReadOnlyList<IPNetwork> ExcludeOutboundCidrs { get; init; } = [];

    public IReadOnlyList<int> ExcludeOutboundPorts { get; init; } = [];

    public IReadOnlyList<int> ExcludeInboundPorts { get; init; } = [];

    /// <summary>Outbound traffic of these users/groups is never captured (e.g. a sidecar's own uid); optional.</summary>
    public IReadOnlyList<int> ExcludeUids { get; init; } = [];

    public IReadOnlyList<int> ExcludeGids { get; init; } = [];

    /// <summary>Health probes (e.g. the kubelet's, from the node's address) that reach the app directly.</summary>
    public IReadOnlyList<ProbeBypass> Probes { get; init; } = [];

    /// <summary>Also install the ip6tables rules.</summary>
    public bool Ipv6 { get; init; } = true;

    /// <summary>The agent's own listening ports: never captured, so nothing is redirected onto itself.</summary>
    public IEnumerable<int> AgentPorts =>
        new[] { OutboundPort }.Concat(InboundPort is { } p ? [p] : []).Concat(TunnelPort is { } t ? [t] : []).Concat(InboundPortMap.Select(e => e.Value)).Distinct();
}

/// <summary>Inbound TCP from <paramref name="Source"/> to one of <paramref name="Ports"/> passes uncaptured.</summary>
public sealed record ProbeBypass(IPNetwork Source, IReadOnlyList<int> Ports);
