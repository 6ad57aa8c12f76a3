using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Agent.Redirect;

/// <summary>
/// Builds the nat-table rules that steer a workload's TCP to the agent: iptables-restore text, no I/O. The script is
/// meant for <c>iptables-restore --noflush</c>: it declares our four chains (creating them if missing), flushes them,
/// fills them, and appends only the jumps the caller found absent, so applying it twice equals applying it once and
/// no rule outside our chains is touched.
/// </summary>
public static class RedirectRules
{
    public const string Output = "MESH_OUTPUT";
    public const string Redirect = "MESH_REDIRECT";
    public const string Inbound = "MESH_INBOUND";
    public const string InRedirect = "MESH_IN_REDIRECT";

    public static readonly IReadOnlyList<string> Chains = [Output, Redirect, Inbound, InRedirect];

    /// <summary>Locally generated TCP enters OUTPUT; TCP arriving from the network enters PREROUTING.</summary>
    public static readonly IReadOnlyList<RedirectJump> Jumps =
    [
        new("OUTPUT", $"-p tcp -j {Output}"),
        new("PREROUTING", $"-p tcp -j {Inbound}"),
    ];

    /// <summary>The script that installs the rules, with the given jumps (pass <see cref="Jumps"/> to show all).</summary>
    public static string Install(RedirectOptions options, IpFamily family, IEnumerable<RedirectJump> missingJumps)
    {
        var s = new Script();
        s.Line("*nat");
        foreach (var chain in Chains)
        {
            // Declaring a chain creates it when missing; the explicit flush below empties it when it exists.
            s.Line($":{chain} - [0:0]");
        }
        foreach (var chain in Chains)
        {
            s.Line($"-F {chain}");
        }

        s.Comment("MESH_REDIRECT: every connection that reaches it goes to the agent's outbound listener.");
        s.Line($"-A {Redirect} -p tcp -j REDIRECT --to-ports {options.OutboundPort}");
        if (options.InboundPort is { } inboundPort)
        {
            s.Comment("MESH_IN_REDIRECT: every connection that reaches it goes to the agent's inbound listener.");
            s.Line($"-A {InRedirect} -p tcp -j REDIRECT --to-ports {inboundPort}");
        }

        Outbound(s, options, family);
        InboundRules(s, options, family);

        foreach (var jump in missingJumps)
        {
            s.Comment($"Send {(jump.Chain == "OUTPUT" ? "locally generated" : "arriving")} TCP through our chain.");
            s.Line($"-A {jump.Chain} {jump.Spec}");
        }
        s.Line("COMMIT");
        return s.ToString();
    }

    private static void Outbound(Script s, RedirectOptions o, IpFamily family)
    {
        s.Comment($"MESH_OUTPUT: the agent's own sockets carry mark 0x{o.Mark:x}/0x{o.MarkMask:x} (SO_MARK); capturing them would loop.");
        s.Line($"-A {Output} -m mark --mark 0x{o.Mark:x}/0x{o.MarkMask:x} -j RETURN");
        foreach (var uid in o.ExcludeUids)
        {
            s.Comment($"Processes of uid {uid} are excluded by configuration.");
            s.Line($"-A {Output} -m owner --uid-owner {uid} -j RETURN");
        }
        foreach (var gid in o.ExcludeGids)
        {
            s.Comment($"Processes of gid {gid} are excluded by configuration.");
            s.Line($"-A {Output} -m owner --gid-owner {gid} -j RETURN");
        }
        s.Comment("Loopback stays local: the workload talking to itself is not mesh traffic.");
        s.Line($"-A {Output} -o lo -j RETURN");
        s.Line($"-A {Output} -d {Loopback(family)} -j RETURN");
        foreach (var port in o.ExcludeOutboundPorts)
        {
            s.Comment($"Destination port {port} is excluded by configuration.");
            s.Line($"-A {Output} -p tcp --dport {port} -j RETURN");
        }
        foreach (var cidr in Of(o.ExcludeOutboundCidrs, family))
        {
            s.Comment($"Destination {cidr} is excluded by configuration.");
            s.Line($"-A {Output} -d {cidr} -j RETURN");
        }
        var include = Of(o.IncludeOutboundCidrs, family).ToList();
        if (o.IncludeOutboundCidrs.Count == 0)
        {
            s.Comment("Everything else is captured.");
            s.Line($"-A {Output} -j {Redirect}");
            return;
        }
        foreach (var cidr in include)
        {
            s.Comment($"Destination {cidr} is captured (include list); other destinations pass.");
            s.Line($"-A {Output} -d {cidr} -j {Redirect}");
        }
    }

    private static void InboundRules(Script s, RedirectOptions o, IpFamily family)
    {
        s.Comment("MESH_INBOUND: loopback is never captured.");
        s.Line($"-A {Inbound} -i lo -j RETURN");
        foreach (var port in o.AgentPorts)
        {
            s.Comment($"The agent's own port {port}: redirecting it would send the agent's traffic to itself twice.");
            s.Line($"-A {Inbound} -p tcp --dport {port} -j RETURN");
        }
        foreach (var port in o.ExcludeInboundPorts)
        {
            s.Comment($"Port {port} is excluded by configuration.");
            s.Line($"-A {Inbound} -p tcp --dport {port} -j RETURN");
        }
        foreach (var probe in o.Probes.Where(p => Is(p.Source, family)))
        {
            foreach (var port in probe.Ports)
            {
                s.Comment($"Health probes from {probe.Source} reach port {port} directly.");
                s.Line($"-A {Inbound} -s {probe.Source} -p tcp --dport {port} -j RETURN");
            }
        }
        foreach (var (app, agent) in o.InboundPortMap)
        {
            s.Comment($"Port {app} goes to the agent's port {agent}.");
            s.Line($"-A {Inbound} -p tcp --dport {app} -j REDIRECT --to-ports {agent}");
        }
        if (o.InboundPort is not null)
        {
            s.Comment("Everything else is captured.");
            s.Line($"-A {Inbound} -p tcp -j {InRedirect}");
        }
    }

    /// <summary>
    /// The script that removes what <see cref="Install"/> added, given <c>iptables-save -t nat</c>: deletes every jump
    /// into our chains exactly as saved, then flushes and deletes the chains. Empty when nothing of ours is installed.
    /// </summary>
    public static string Uninstall(string savedNat)
    {
        var lines = savedNat.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var jumps = lines.Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && !Chains.Any(c => l.StartsWith($"-A {c} ", StringComparison.Ordinal))
                                  && Chains.Any(c => l.EndsWith($"-j {c}", StringComparison.Ordinal) || l.Contains($"-j {c} ", StringComparison.Ordinal)))
                         .ToList();
        var present = Chains.Where(c => lines.Any(l => l.StartsWith($":{c} ", StringComparison.Ordinal))).ToList();
        if (jumps.Count == 0 && present.Count == 0)
        {
            return "";
        }
        var s = new Script();
        s.Line("*nat");
        foreach (var jump in jumps)
        {
            s.Line("-D " + jump[3..]);
        }
        // All flushes first: a chain can only be deleted when nothing jumps to it (MESH_OUTPUT -> MESH_REDIRECT).
        foreach (var chain in present)
        {
            s.Line($"-F {chain}");
        }
        foreach (var chain in present)
        {
            s.Line($"-X {chain}");
        }
        s.Line("COMMIT");
        return s.ToString();
    }

    /// <summary>The lines of <c>iptables-save -t nat</c> that are ours: chain declarations, rules in our chains, jumps to them.</summary>
    public static IEnumerable<string> Installed(string savedNat) =>
        savedNat.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => !l.StartsWith('#') && l.Contains("MESH_", StringComparison.Ordinal));

    private static string Loopback(IpFamily family) => family == IpFamily.V4 ? "127.0.0.0/8" : "::1/128";

    private static IEnumerable<IPNetwork> Of(IEnumerable<IPNetwork> cidrs, IpFamily family) => cidrs.Where(c => Is(c, family));

    private static bool Is(IPNetwork cidr, IpFamily family) =>
        cidr.BaseAddress.AddressFamily == (family == IpFamily.V4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);

    private sealed class Script
    {
        private readonly StringBuilder _text = new();

        public void Comment(string text) => _text.Append("# ").Append(text).Append('\n');

        public void Line(string text) => _text.Append(text).Append('\n');

        public override string ToString() => _text.ToString();
    }
}
