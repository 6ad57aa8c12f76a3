using Mesh.Agent.Config;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// Maps a caller's facts to the workloads it is. Pure but for <c>netnsOf</c>, the one look-up of a configured
/// namespace path, which is injected. Each workload with <c>attest</c> matches when every selector it names matches;
/// a workload without <c>attest</c> never matches.
/// </summary>
internal sealed class WorkloadAttestor(IReadOnlyList<LocalWorkload> workloads, Func<string, FileIdentity?> netnsOf)
{
    public CallerAttestation Attest(CallerFacts facts)
    {
        var matched = workloads.Where(w => w.Attest is { } selectors && Matches(selectors, facts)).ToList();
        return matched.Count > 0
            ? new CallerAttestation.Attested(facts, matched)
            : new CallerAttestation.Unattested($"no workload's attest selectors match {facts.Peer}");
    }

    private bool Matches(WorkloadAttestation selectors, CallerFacts facts)
    {
        if (selectors.Uid is { } uid && (uid < 0 || facts.Peer.Uid != (uint)uid))
        {
            return false;
        }
        if (selectors.NetnsPath is { } path)
        {
            // Re-read on every connection: a pod's namespace file is re-created when the pod restarts.
            if (facts.Netns is not { } callerNs || netnsOf(path) is not { } configured
                || callerNs.Device != configured.Device || callerNs.Inode != configured.Inode)
            {
                return false;
            }
        }
        if (selectors.Cgroup is { } cgroup && (facts.Cgroup is null || !facts.Cgroup.Contains(cgroup, StringComparison.Ordinal)))
        {
            return false;
        }
        return true;
    }
}
