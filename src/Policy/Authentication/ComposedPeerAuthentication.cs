namespace Mesh.Policy.Authentication;

/// <summary>The mode of one workload after composing mesh, namespace and workload policies, with its port overrides.</summary>
internal sealed record ComposedPeerAuthentication(MtlsDecision Workload, IReadOnlyDictionary<int, MtlsDecision> Ports)
{
    public MtlsDecision For(int port) => Ports.TryGetValue(port, out var decision) ? decision : Workload;
}
