namespace Mesh.Policy;

public sealed record PolicyLoaderOptions
{
    /// <summary>Policies in this namespace apply mesh-wide (Istio's meshConfig.rootNamespace).</summary>
    public string RootNamespace { get; init; } = "istio-system";
}
