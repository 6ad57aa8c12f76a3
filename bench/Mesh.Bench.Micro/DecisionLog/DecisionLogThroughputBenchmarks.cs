using BenchmarkDotNet.Attributes;
using Mesh.Policy;

namespace Mesh.Bench.Micro.DecisionLog;

/// <summary>
/// <see cref="JsonLinesDecisionLog"/> end to end: enqueue 100k records, then FlushAsync until they are on disk
/// (serialization, chain envelope and SHA-256 link per line, 64 KiB buffered writes, an fsync per batch of 1024). Reported per record; records/s = 1 s / Mean.
/// Each iteration gets a fresh log and file, so the file never grows past one run's 100k lines.
/// </summary>
[MemoryDiagnoser]
public class DecisionLogThroughputBenchmarks
{
    private const int Records = 100_000;

    private readonly DecisionRecord[] records = new DecisionRecord[1024];
    private string dir = null!;
    private string path = null!;
    private JsonLinesDecisionLog log = null!;

    [GlobalSetup]
    public void Setup()
    {
        dir = Directory.CreateTempSubdirectory("mesh-bench-decisions-").FullName;
        path = Path.Combine(dir, "decisions.jsonl");
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < records.Length; i++)
        {
            // Shaped like the agent's records (InboundDecisionRecord): distinct ids, a typical principal and path.
            records[i] = BenchRecords.Allow(i, now);
        }
    }

    [IterationSetup]
    public void OpenLog()
    {
        File.Delete(path);
        log = new JsonLinesDecisionLog(path);
    }

    [IterationCleanup]
    public void CloseLog() => log.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(dir, recursive: true);

    [Benchmark(OperationsPerInvoke = Records, Description = "JsonLinesDecisionLog: 100k writes + FlushAsync (per record)")]
    public async Task WriteThenFlush()
    {
        for (var i = 0; i < Records; i++)
        {
            log.Write(records[i & (records.Length - 1)]);
        }

        await log.FlushAsync().ConfigureAwait(false);
    }
}
