using System.Text.Json;

namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>The writer on real files: one JSON object per line, the v1 envelope, file mode, appending, disposal.</summary>
public sealed class JsonLinesDecisionLogTests : IDisposable
{
    private readonly ScratchDir dir = new();

    public void Dispose() => dir.Dispose();

    private string LogPath => dir.File("decisions.jsonl");

    [Fact]
    public async Task Concurrent_writers_lose_nothing_and_write_one_chained_json_object_per_line()
    {
        await using (var log = new JsonLinesDecisionLog(LogPath))
        {
            Parallel.For(0, 16, t =>
            {
                for (var i = 0; i < 500; i++)
                {
                    log.Write(SampleRecords.Deny($"{t}-{i}", path: "/evil\n{\"forged\":1}"));
                }
            });
            await log.FlushAsync();
        }

        var lines = await File.ReadAllLinesAsync(LogPath);
        Assert.Equal(1 + (16 * 500), lines.Length);
        var ids = lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToHashSet();
        Assert.Equal(16 * 500, ids.Count);
        var seqs = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (long)i), seqs);
        var report = new DecisionLogVerifier().Verify([LogPath]);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(lines.Length, report.Records);
    }

    [Fact]
    public async Task The_first_line_starts_a_chain_and_records_carry_the_v1_envelope_then_their_fields()
    {
        await using (var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = LogPath, Node = "node-\"b\"" }))
        {
            log.Write(SampleRecords.Deny("a"));
            log.Write(SampleRecords.Deny("b", path: null) with { Policy = null, Request = new DecisionRequest { Protocol = "tcp" }, Result = new DecisionResult { Decision = "ALLOW", Reason = ReasonCodes.DefaultAllow } });
            await log.FlushAsync();
        }

        var lines = await File.ReadAllLinesAsync(LogPath);
        var start = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(["schema", "seq", "chain", "prev", "node", "time", "event", "alg"], start.EnumerateObject().Select(p => p.Name));
        Assert.Equal("start", start.GetProperty("prev").GetString());
        Assert.Equal("sha256", start.GetProperty("alg").GetString());
        Assert.Matches("^[0-9a-f]{16}$", start.GetProperty("chain").GetString());
        Assert.Equal("node-\"b\"", start.GetProperty("node").GetString());

        var full = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(
            ["schema", "seq", "chain", "prev", "node", "time", "id", "direction", "source", "destination", "request", "result", "policy", "policy_set", "latency_us"],
            full.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, full.GetProperty("schema").GetInt32());
        Assert.Equal(2, full.GetProperty("seq").GetInt64());
        Assert.Equal(start.GetProperty("chain").GetString(), full.GetProperty("chain").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines[0]))), full.GetProperty("prev").GetString());
        Assert.Equal("2025-01-02T01:04:05.678Z", full.GetProperty("time").GetString());
        Assert.Equal("/admin/../x", full.GetProperty("request").GetProperty("path").GetString());
        Assert.Equal("/x", full.GetProperty("request").GetProperty("normalized_path").GetString());
        Assert.Equal(403, full.GetProperty("result").GetProperty("http_status").GetInt32());
        Assert.True(full.GetProperty("result").GetProperty("enforced").GetBoolean());
        Assert.Equal("deny-admin.yaml:12", full.GetProperty("policy").GetProperty("at").GetString());
        Assert.Equal(0.4, full.GetProperty("latency_us").GetDouble());

        var sparse = JsonDocument.Parse(lines[2]).RootElement;
        Assert.False(sparse.TryGetProperty("policy", out _));
        Assert.False(sparse.TryGetProperty("dry_run_matches", out _));
        Assert.Equal(["protocol"], sparse.GetProperty("request").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Encoding_a_record_and_its_link_allocates_nothing()
    {
        // The source generator's fast path serializes without allocating; a property converter would turn it off.
        using var encoder = new Mesh.Policy.DecisionLog.LineEncoder("node-1");
        var head = new Mesh.Policy.DecisionLog.ChainHead("0123456789abcdef", 41, "start");
        var record = SampleRecords.Deny("a");
        var link = Mesh.Policy.DecisionLog.LinkHash.Plain;
        void Once() => head.Advance(encoder.Encode(head, record.Time, record, DecisionLogJsonContext.Default.DecisionRecord), link);
        Once();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [SkippableFact]
    public async Task Creates_file_with_mode_0600()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
        await SampleRecords.WriteAsync(new DecisionLogOptions { Path = LogPath }, 1);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LogPath));
        }
    }

    [Fact]
    public async Task Dispose_drains_without_flush()
    {
        await using (var log = new JsonLinesDecisionLog(LogPath))
        {
            log.Write(SampleRecords.Deny("a"));
            log.Write(SampleRecords.Deny("b"));
        }

        var ids = (await File.ReadAllLinesAsync(LogPath)).Skip(1).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString());
        Assert.Equal(["a", "b"], ids);
    }

    [Fact]
    public async Task Write_after_dispose_throws_rather_than_dropping()
    {
        var log = new JsonLinesDecisionLog(LogPath);
        await log.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => log.Write(SampleRecords.Deny("late")));
    }
}
