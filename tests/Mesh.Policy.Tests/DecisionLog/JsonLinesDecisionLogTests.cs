using System.Text.Json;

namespace Mesh.Policy.Tests.DecisionLog;

public sealed class JsonLinesDecisionLogTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mesh-decisions-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static DecisionRecord Record(string id, string? path = "/x") => new()
    {
        Time = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)),
        Id = id,
        SourcePrincipal = "spiffe://cluster.local/ns/demo/sa/frontend",
        DestinationWorkload = "demo/api",
        DestinationPort = 8080,
        Protocol = "http",
        Method = "GET",
        Path = path,
        Decision = "DENY",
        Policy = "demo/deny-admin",
        Rule = 0,
        Reason = "denied by DENY policy demo/deny-admin rule 0",
        Tls = "mtls",
    };

    [Fact]
    public async Task Concurrent_writers_lose_nothing_and_write_one_json_object_per_line()
    {
        var path = Path.Combine(dir, "decisions.jsonl");
        await using (var log = new JsonLinesDecisionLog(path))
        {
            Parallel.For(0, 16, t =>
            {
                for (var i = 0; i < 500; i++)
                {
                    log.Write(Record($"{t}-{i}", path: "/evil\n{\"forged\":1}"));
                }
            });
            await log.FlushAsync();

            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal(16 * 500, lines.Length);
            var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToHashSet();
            Assert.Equal(16 * 500, ids.Count);
        }
    }

    [Fact]
    public async Task Writes_snake_case_fields_omits_nulls_and_formats_time_in_utc_milliseconds()
    {
        var path = Path.Combine(dir, "decisions.jsonl");
        await using (var log = new JsonLinesDecisionLog(path))
        {
            log.Write(Record("a"));
            log.Write(Record("b") with { Method = null, Path = null, Policy = null, Rule = null, SourcePrincipal = null, Tls = null, Protocol = "tcp" });
            await log.FlushAsync();
        }

        var lines = await File.ReadAllLinesAsync(path);
        var full = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(
            ["time", "id", "source_principal", "destination_workload", "destination_port", "protocol", "method", "path", "decision", "policy", "rule", "reason", "tls"],
            full.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2025-01-02T01:04:05.678Z", full.GetProperty("time").GetString());
        Assert.Equal(8080, full.GetProperty("destination_port").GetInt32());
        Assert.Equal(0, full.GetProperty("rule").GetInt32());
        Assert.Equal(
            ["time", "id", "destination_workload", "destination_port", "protocol", "decision", "reason"],
            JsonDocument.Parse(lines[1]).RootElement.EnumerateObject().Select(p => p.Name));
    }

    [SkippableFact]
    public async Task Creates_file_with_mode_0600()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes only");
        var path = Path.Combine(dir, "decisions.jsonl");
        await using (var log = new JsonLinesDecisionLog(path))
        {
            log.Write(Record("a"));
            await log.FlushAsync();
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Reopening_appends_and_dispose_drains_without_flush()
    {
        var path = Path.Combine(dir, "decisions.jsonl");
        await using (var first = new JsonLinesDecisionLog(path))
        {
            first.Write(Record("a"));
        }

        await using (var second = new JsonLinesDecisionLog(path))
        {
            second.Write(Record("b"));
            second.Write(Record("c"));
        }

        var ids = (await File.ReadAllLinesAsync(path)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString());
        Assert.Equal(["a", "b", "c"], ids);
    }

    [Fact]
    public async Task Write_after_dispose_throws_rather_than_dropping()
    {
        var log = new JsonLinesDecisionLog(Path.Combine(dir, "decisions.jsonl"));
        await log.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => log.Write(Record("late")));
    }
}
