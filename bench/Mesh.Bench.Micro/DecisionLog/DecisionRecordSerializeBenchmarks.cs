using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Mesh.Policy;

namespace Mesh.Bench.Micro.DecisionLog;

/// <summary>
/// The CPU part of the decision log writer: one record through the source-generated serializer, as
/// JsonLinesDecisionLog's loop does it (Serialize, Flush, Reset), into Stream.Null instead of the file.
/// Compare with the throughput benchmark to see how much of a record's cost is the disk.
/// </summary>
[MemoryDiagnoser]
public class DecisionRecordSerializeBenchmarks
{
    private readonly Utf8JsonWriter json = new(Stream.Null);
    private DecisionRecord record = null!;

    [GlobalSetup]
    public void Setup() => record = new DecisionRecord
    {
        Time = DateTimeOffset.UtcNow,
        Id = Guid.CreateVersion7().ToString("N"),
        SourcePrincipal = "spiffe://cluster.local/ns/shop/sa/checkout",
        DestinationWorkload = "payments/payments-api",
        DestinationPort = 8080,
        Protocol = "http",
        Method = "POST",
        Path = "/v1/charges/ch_123",
        Decision = "ALLOW",
        Policy = "payments/allow-workloads",
        Rule = 4,
        Reason = "allowed by ALLOW policy payments/allow-workloads rule 4",
        Tls = "mtls",
    };

    [GlobalCleanup]
    public void Cleanup() => json.Dispose();

    [Benchmark(Description = "DecisionRecord -> JSON line (no disk)")]
    public long Serialize()
    {
        JsonSerializer.Serialize(json, record, DecisionLogJsonContext.Default.DecisionRecord);
        json.Flush();
        var written = json.BytesCommitted;
        json.Reset();
        return written;
    }
}
