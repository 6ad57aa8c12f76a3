namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// What the agent knows about a Workload API caller, read once when it connects: the kernel's peer credentials, and
/// through the pid its network namespace and cgroups.
/// </summary>
/// <remarks>
/// The pid is only a name: if the caller exits and its pid is reused before we read /proc, we would read another
/// process. The reads happen immediately after accept, and a caller whose /proc entries are gone yields no namespace
/// or cgroup (so selectors on them do not match); uid and gid come from the kernel's record of the connect and are
/// exact. Closing this window fully needs SO_PEERPIDFD (Linux 6.5), not used yet.
/// </remarks>
internal sealed record CallerFacts(PeerCredentials Peer, FileIdentity? Netns, string? Cgroup)
{
    public static CallerFacts Read(PeerCredentials peer, string procRoot = "/proc")
    {
        var dir = Path.Combine(procRoot, peer.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var netns = FileIdentity.Of(Path.Combine(dir, "ns", "net"));
        string? cgroup;
        try
        {
            cgroup = File.ReadAllText(Path.Combine(dir, "cgroup"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cgroup = null;
        }
        return new CallerFacts(peer, netns, cgroup);
    }
}
