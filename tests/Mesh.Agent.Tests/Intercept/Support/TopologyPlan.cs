using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// What <see cref="MeshTopology"/> builds, as values: the namespaces with their addresses and the ip(8) commands that
/// wire them. Every command names its namespace (<c>ip -n NS</c> or <c>ip netns exec NS</c>), so nothing runs in the
/// host's own namespace except <c>ip netns add</c>.
/// </summary>
/// <remarks>
/// <code>
///   PodA 198.18.1.2/30 ─┐                                     ┌─ PodC    198.18.2.2/30
///                       Node1 198.18.0.1/30 ── 198.18.0.2/30 Node2
///   PodB 198.18.1.6/30 ─┘   (to-node2)          (to-node1)    └─ Outside 198.18.3.2/30
/// </code>
/// Pods and the outside host route everything through their node; the nodes forward between each other.
/// </remarks>
internal sealed class TopologyPlan
{
    /// <summary>The Node1 side of the inter-node link, where captures see all traffic between the nodes.</summary>
    public const string NodeLinkInterface = "to-node2";

    /// <summary>The interface name inside every pod and the outside host.</summary>
    public const string WorkloadInterface = "eth0";

    private const string Node2LinkInterface = "to-node1";

    private readonly List<string[]> _commands = [];

    public TopologyPlan(string prefix)
    {
        Node1 = new TopologyNetns(prefix + "-n1", IPAddress.Parse("198.18.0.1"));
        Node2 = new TopologyNetns(prefix + "-n2", IPAddress.Parse("198.18.0.2"));
        PodA = new TopologyNetns(prefix + "-pa", IPAddress.Parse("198.18.1.2"));
        PodB = new TopologyNetns(prefix + "-pb", IPAddress.Parse("198.18.1.6"));
        PodC = new TopologyNetns(prefix + "-pc", IPAddress.Parse("198.18.2.2"));
        Outside = new TopologyNetns(prefix + "-out", IPAddress.Parse("198.18.3.2"));
        All = [Node1, Node2, PodA, PodB, PodC, Outside];

        foreach (var ns in All)
        {
            Ip(ns, "link", "set", "lo", "up");
        }
        foreach (var node in new[] { Node1, Node2 })
        {
            _commands.Add(["netns", "exec", node.Name, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        }
        Link(Node1, NodeLinkInterface, Node1.Address, Node2, Node2LinkInterface, Node2.Address);
        Attach(Node1, "to-poda", "198.18.1.1", PodA);
        Attach(Node1, "to-podb", "198.18.1.5", PodB);
        Attach(Node2, "to-podc", "198.18.2.1", PodC);
        Attach(Node2, "to-outside", "198.18.3.1", Outside);
        Ip(Node1, "route", "add", "198.18.2.0/24", "via", Node2.Address.ToString());
        Ip(Node1, "route", "add", "198.18.3.0/24", "via", Node2.Address.ToString());
        Ip(Node2, "route", "add", "198.18.1.0/24", "via", Node1.Address.ToString());
    }

    /// <summary>The first node's host namespace (router for PodA and PodB).</summary>
    public TopologyNetns Node1 { get; }

    /// <summary>The second node's host namespace (router for PodC and Outside).</summary>
    public TopologyNetns Node2 { get; }

    /// <summary>A pod on Node1.</summary>
    public TopologyNetns PodA { get; }

    /// <summary>A second pod on Node1.</summary>
    public TopologyNetns PodB { get; }

    /// <summary>A pod on Node2.</summary>
    public TopologyNetns PodC { get; }

    /// <summary>A host outside the mesh, reached through Node2.</summary>
    public TopologyNetns Outside { get; }

    /// <summary>Every namespace, nodes first.</summary>
    public IReadOnlyList<TopologyNetns> All { get; }

    /// <summary>The arguments of each ip(8) command, in order, after all namespaces exist.</summary>
    public IReadOnlyList<string[]> Commands => _commands;

    /// <summary>A veth from a node to a workload: /30 with the gateway on the node side and a default route through it.</summary>
    private void Attach(TopologyNetns node, string nodeInterface, string gateway, TopologyNetns workload)
    {
        Link(node, nodeInterface, IPAddress.Parse(gateway), workload, WorkloadInterface, workload.Address);
        Ip(workload, "route", "add", "default", "via", gateway);
    }

    /// <summary>A veth made inside <paramref name="a"/> with its peer created directly in <paramref name="b"/>.</summary>
    private void Link(TopologyNetns a, string aInterface, IPAddress aAddress, TopologyNetns b, string bInterface, IPAddress bAddress)
    {
        Ip(a, "link", "add", aInterface, "type", "veth", "peer", "name", bInterface, "netns", b.Name);
        Ip(a, "addr", "add", aAddress + "/30", "dev", aInterface);
        Ip(b, "addr", "add", bAddress + "/30", "dev", bInterface);
        Ip(a, "link", "set", aInterface, "up");
        Ip(b, "link", "set", bInterface, "up");
    }

    private void Ip(TopologyNetns ns, params string[] args) => _commands.Add(["-n", ns.Name, .. args]);
}
