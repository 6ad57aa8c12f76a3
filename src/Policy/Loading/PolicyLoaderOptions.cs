namespace Mesh.Policy;

public sealed record PolicyLoaderOptions
{
    /// <summary>Policies in this namespace apply mesh-wide (Istio's meshConfig.rootNamespace).</summary>
    public string RootNamespace { get; init; } = "istio-system";

    /// <summary>The mTLS mode where no PeerAuthentication sets one: PERMISSIVE as in Istio, or STRICT for a closed mesh.</summary>
    public MtlsMode DefaultMtlsMode { get; init; } = MtlsMode.Permissive;
}
