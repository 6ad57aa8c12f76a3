using Mesh.Identity;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>What <see cref="KubernetesServiceSource"/> needs to map the cluster onto the mesh.</summary>
public sealed record KubernetesSourceOptions
{
    public required TrustDomain TrustDomain { get; init; }

    /// <summary>This agent's node (spec.nodeName of its pods); null: no pods-on-the-node list.</summary>
    public string? NodeName { get; init; }

    /// <summary>The in-pod tunnel port each pod's agent listens on (endpoint agent = podIP:AgentPort).</summary>
    public int AgentPort { get; init; } = 15008;

    /// <summary>Wait before listing again after an error.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}
