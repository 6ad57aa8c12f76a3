using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.WorkloadApi;

/// <summary>Closed result of recognising a Workload API caller; kept with its connection.</summary>
internal abstract record CallerAttestation
{
    private CallerAttestation()
    {
    }

    /// <summary>The caller matched these workloads (every selector of each); it is served their identities.</summary>
    internal sealed record Attested(CallerFacts Facts, IReadOnlyList<LocalWorkload> Workloads) : CallerAttestation
    {
        public IReadOnlyList<SpiffeId> Identities { get; } = Workloads.Select(w => w.Identity).Distinct().ToList();
    }

    /// <summary>No workload matched, or the caller could not be examined; the reason is for the agent's log only.</summary>
    internal sealed record Unattested(string Reason) : CallerAttestation;
}
