using Mesh.Policy;

namespace Mesh.Bench.Micro.DecisionLog;

/// <summary>Records shaped like the agent's (InboundDecisionRecord): an HTTP ALLOW with every field known today filled in.</summary>
internal static class BenchRecords
{
    public static DecisionRecord Allow(int i, DateTimeOffset now) => new()
    {
        Time = now.AddMilliseconds(i),
        Id = Guid.CreateVersion7().ToString("N"),
        Source = new DecisionSource { Principal = "spiffe://cluster.local/ns/shop/sa/checkout", Namespace = "shop", Ip = "10.0.3.17", Tls = "mtls" },
        Destination = new DecisionDestination { Workload = "payments/payments-api", Namespace = "payments", Ip = "10.0.5.2", Port = 8080 },
        Request = new DecisionRequest { Protocol = "http", Method = "POST", Path = $"/v1/charges/ch_{i}", NormalizedPath = $"/v1/charges/ch_{i}" },
        Result = new DecisionResult { Decision = "ALLOW", Reason = ReasonCodes.AllowedByPolicy, Detail = "allowed by ALLOW policy payments/allow-workloads rule 4" },
        Policy = new DecisionPolicy { Name = "payments/allow-workloads", Rule = 4, At = "payments.yaml:57" },
        PolicySet = "sha256:5f0c6c1e0d7b4e8f9a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081",
        LatencyUs = 0.3,
    };
}
