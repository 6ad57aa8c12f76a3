using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Mesh.Policy;
using Mesh.Policy.DecisionLog;

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
    private readonly LineEncoder encoder = new("node-1");
    private DecisionRecord record = null!;
    private ChainHead head = null!;

    [GlobalSetup]
    public void Setup()
    {
        record = BenchRecords.Allow(123, DateTimeOffset.UtcNow);
        head = new ChainHead("0123456789abcdef", 41, new string('0', LinkHash.HexLength));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        json.Dispose();
        encoder.Dispose();
    }

    [Benchmark(Description = "DecisionRecord -> JSON line (no disk)")]
    public long Serialize()
    {
        JsonSerializer.Serialize(json, record, DecisionLogJsonContext.Default.DecisionRecord);
        json.Flush();
        var written = json.BytesCommitted;
        json.Reset();
        return written;
    }

    /// <summary>What the writer does per record: the same serialization plus the envelope, then the line's SHA-256 link.</summary>
    [Benchmark(Description = "DecisionRecord -> chained line + SHA-256 link (no disk)")]
    public int EncodeAndLink()
    {
        var line = encoder.Encode(head, record.Time, record, DecisionLogJsonContext.Default.DecisionRecord);
        Span<byte> link = stackalloc byte[LinkHash.HexLength];
        LinkHash.Plain.Compute(line, link);
        return line.Length + link[0];
    }
}
