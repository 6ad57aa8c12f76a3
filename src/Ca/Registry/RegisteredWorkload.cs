namespace Mesh.Ca;

/// <summary>A workload scheduled on a node: the node's agent may obtain the SVID of its service account.</summary>
public sealed record RegisteredWorkload(string Node, string Namespace, string ServiceAccount, string? Name = null);
