using System.Net;
using Mesh.Agent.Config;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// The options of a test agent on loopback, bootstrapped the real way (a join token for its node from <paramref name="ca"/>,
/// state in <c>dir/node-state</c>), with its decision log at <c>dir/decisions-node.log</c>. Fixtures add what they need with <c>with</c>.
/// </summary>
internal static class TestAgentOptions
{
    public static AgentOptions For(string dir, TestCa ca, string node, string policies, IReadOnlyList<LocalWorkload> workloads,
        ServiceRegistry? registry = null, IReadOnlyList<OutboundListener>? outbound = null) => new()
    {
        Node = node,
        TrustDomain = TestCa.TrustDomain,
        Ca = new CaEndpointOptions(ca.Server.Address, ca.Server.RootCertPath, ca.JoinToken(node)) { StateDir = Path.Combine(dir, node + "-state") },
        PoliciesDir = policies,
        DecisionLogPath = Path.Combine(dir, $"decisions-{node}.log"),
        Registry = registry ?? ServiceRegistry.Empty,
        InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
        Workloads = workloads,
        Outbound = outbound ?? [],
    };
}
