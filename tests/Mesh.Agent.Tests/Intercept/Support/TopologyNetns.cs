using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>One network namespace of a <see cref="MeshTopology"/>.</summary>
/// <param name="Name">The ip-netns(8) name, unique to its topology (for example <c>mt1a2b3c-pa</c>).</param>
/// <param name="Address">
/// The namespace's own IPv4 address: a pod's or the outside host's address on its eth0, or a node's address on the
/// inter-node link.
/// </param>
internal sealed record TopologyNetns(string Name, IPAddress Address)
{
    /// <summary>The bind-mounted namespace file, for setns(2) (see <c>NetnsThread.Run</c>).</summary>
    public string Path => "/var/run/netns/" + Name;

    /// <summary>The name, so the namespace reads well in assertion messages.</summary>
    public override string ToString() => $"{Name} ({Address})";
}
