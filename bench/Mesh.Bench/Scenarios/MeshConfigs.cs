using Mesh.Bench.Orchestration;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// Mesh.Security's files for one scenario: a CA that knows two nodes, node-a (the client workload, with one
/// outbound listener) and node-b (the server workload in front of the backend), a one-service registry, and one
/// ALLOW policy: on principal + port for `tcp`, on principal + path for `http`.
/// </summary>
internal static class MeshConfigs
{
    public const string TrustDomain = "cluster.local";
    public const string ClientPrincipal = TrustDomain + "/ns/bench/sa/client";
    public const string ServerSpiffeId = "spiffe://" + TrustDomain + "/ns/bench/sa/server";

    public static IReadOnlyDictionary<string, string> All(string protocol) => new Dictionary<string, string>
    {
        ["ca.yaml"] = Ca(),
        ["workloads.yaml"] = Workloads(),
        ["registry.yaml"] = Registry(protocol),
        ["agent-a.yaml"] = ClientAgent(),
        ["agent-b.yaml"] = ServerAgent(protocol),
        ["policies/allow-client.yaml"] = Policy(protocol),
    };

    private static string Ca() => $"""
        trustDomain: {TrustDomain}
        stateDir: ./ca-state
        listen: {Ports.Host}:{Ports.MeshCa}
        defaultTtl: 1h
        registry: ./workloads.yaml
        """;

    private static string Workloads() => """
        workloads:
          - { node: node-a, namespace: bench, serviceAccount: client }
          - { node: node-b, namespace: bench, serviceAccount: server }
        """;

    private static string Registry(string protocol) => $$"""
        services:
          - name: nginx.bench
            ports:
              - { port: 80, targetPort: {{Ports.Backend}}, protocol: {{protocol}} }
            endpoints:
              - { address: {{Ports.Host}}, agent: "{{Ports.Host}}:{{Ports.ServerProxy}}", identity: "{{ServerSpiffeId}}" }
        """;

    private static string ClientAgent() => $$"""
        node: node-a
        trustDomain: {{TrustDomain}}
        ca: { address: "https://{{Ports.Host}}:{{Ports.MeshCa}}", rootCert: ./ca-state/trust-bundle.pem, tokenFile: node-a.token }
        policies: ./policies
        decisionLog: ./decisions-a.log
        registry: ./registry.yaml
        inbound: { listen: "{{Ports.Host}}:{{Ports.MeshClientInbound}}" }
        admin: { listen: "{{Ports.Host}}:{{Ports.MeshClientAdmin}}" }
        workloads:
          - { name: client, namespace: bench, serviceAccount: client, address: {{Ports.Host}} }
        outbound:
          - { listen: "{{Ports.Host}}:{{Ports.ClientProxy}}", from: bench/client, to: "nginx.bench:80" }
        """;

    private static string ServerAgent(string protocol) => $$"""
        node: node-b
        trustDomain: {{TrustDomain}}
        ca: { address: "https://{{Ports.Host}}:{{Ports.MeshCa}}", rootCert: ./ca-state/trust-bundle.pem, tokenFile: node-b.token }
        policies: ./policies
        decisionLog: ./decisions-b.log
        registry: ./registry.yaml
        inbound: { listen: "{{Ports.Host}}:{{Ports.ServerProxy}}" }
        admin: { listen: "{{Ports.Host}}:{{Ports.MeshServerAdmin}}" }
        workloads:
          - { name: server, namespace: bench, serviceAccount: server, address: {{Ports.Host}}, ports: [{ port: {{Ports.Backend}}, protocol: {{protocol}} }] }
        """;

    private static string Policy(string protocol) => $$"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: allow-client, namespace: bench }
        spec:
          action: ALLOW
          rules:
          - from: [{ source: { principals: ["{{ClientPrincipal}}"] } }]
            to: [{ operation: { {{(protocol == "http" ? $"paths: [\"{Readiness.Path}\"]" : $"ports: [\"{Ports.Backend}\"]")}} } }]
        """;
}
