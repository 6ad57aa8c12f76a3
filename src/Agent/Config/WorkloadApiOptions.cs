namespace Mesh.Agent.Config;

/// <summary>The SPIFFE Workload API endpoint: a Unix domain socket any local process may connect to (mode 0666).</summary>
public sealed record WorkloadApiOptions(string SocketPath);

/// <summary>
/// How the Workload API recognises a workload's processes. Every selector that is set must match the caller; a
/// workload without one is never served by the Workload API.
/// </summary>
/// <param name="Uid">The caller's user id, from the kernel (SO_PEERCRED).</param>
/// <param name="NetnsPath">A network namespace file (e.g. /var/run/netns/pod-a): the caller's network namespace must be that one.</param>
/// <param name="Cgroup">A substring of the caller's /proc/&lt;pid&gt;/cgroup (e.g. a pod UID or a systemd unit).</param>
public sealed record WorkloadAttestation(int? Uid, string? NetnsPath, string? Cgroup);
