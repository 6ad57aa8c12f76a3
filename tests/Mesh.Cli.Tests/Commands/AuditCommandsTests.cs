using Mesh.Cli.Tests.Support;
using Mesh.Policy;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh audit verify` and `mesh audit policy-digest` as a user runs them, on logs the real writer wrote.</summary>
public sealed class AuditCommandsTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string LogPath => dir.File("decisions.log");

    private async Task WriteLogAsync(int records, long maxBytes = 0, byte[]? key = null)
    {
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = LogPath, Node = "node-1", MaxBytes = maxBytes, HmacKey = key });
        for (var i = 0; i < records; i++)
        {
            log.Write(new DecisionRecord
            {
                Time = DateTimeOffset.UtcNow,
                Id = $"d{i}",
                Source = new DecisionSource { Principal = "spiffe://cluster.local/ns/demo/sa/frontend" },
                Destination = new DecisionDestination { Workload = "demo/backend", Namespace = "demo", Port = 8080 },
                Request = new DecisionRequest { Protocol = "http", Method = "GET", Path = $"/api/items/{i}" },
                Result = new DecisionResult { Decision = "DENY", Reason = ReasonCodes.NoAllowMatch },
            });
        }
    }

    private string[] Segments() =>
        [.. Directory.GetFiles(dir.Path, "decisions.log.*").Where(f => f != LogPath).Order(StringComparer.Ordinal), LogPath];

    [Fact]
    public async Task Verify_of_an_intact_rotated_log_prints_the_count_chain_and_head_and_exits_zero()
    {
        await WriteLogAsync(200, maxBytes: 16 * 1024);
        var files = Segments();
        Assert.True(files.Length > 2);

        var result = await MeshProcess.RunAsync(["audit", "verify", .. files]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches($"^ok: 201 records in {files.Length} file\\(s\\); chain [0-9a-f]{{16}}$", result.StdOutLines[0]);
        Assert.Matches("^head: 201:[0-9a-f]{64}$", result.StdOutLines[1]);
    }

    [Fact]
    public async Task An_anchored_head_catches_a_truncation_at_a_line_boundary_that_the_chain_alone_cannot()
    {
        await WriteLogAsync(10);
        var head = (await MeshProcess.RunAsync("audit", "verify", LogPath)).StdOutLines[1]["head: ".Length..];
        var lines = File.ReadAllLines(LogPath);
        File.WriteAllLines(LogPath, lines[..^3]);

        var plain = await MeshProcess.RunAsync("audit", "verify", LogPath);
        var anchored = await MeshProcess.RunAsync("audit", "verify", "--anchor", head, LogPath);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(anchored.ExitCode == 1, anchored.ToString());
        Assert.Contains(anchored.StdOutLines, l => l.Contains(": anchor: the anchored record seq 11 is not in the files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_anchor_that_is_not_seq_colon_link_is_refused()
    {
        await WriteLogAsync(1);

        var result = await MeshProcess.RunAsync("audit", "verify", "--anchor", "11:abc", LogPath);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mesh: --anchor '11:abc' must be SEQ:LINK", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_an_edited_record_names_the_file_and_line_and_exits_one()
    {
        await WriteLogAsync(5);
        var lines = File.ReadAllLines(LogPath);
        lines[2] = lines[2].Replace("\"DENY\"", "\"ALLOW\"", StringComparison.Ordinal);
        File.WriteAllLines(LogPath, lines);

        var result = await MeshProcess.RunAsync("audit", "verify", LogPath);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{LogPath}:3: edited: record seq 3 was altered", Assert.Single(result.StdOutLines), StringComparison.Ordinal);
        Assert.Equal($"mesh: decision log chain broken: 1 problem(s); the first at {LogPath}:3", Assert.Single(result.StdErrLines));
    }

    [Fact]
    public async Task Verify_of_a_set_with_a_deleted_segment_names_the_gap()
    {
        await WriteLogAsync(200, maxBytes: 16 * 1024);
        var files = Segments();
        File.Delete(files[1]);

        var result = await MeshProcess.RunAsync(["audit", "verify", .. files.Where(File.Exists)]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.StdOutLines, l => l.StartsWith($"{files[2]}:1: missing:", StringComparison.Ordinal) && l.Contains("a deleted file?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_of_a_keyed_log_needs_the_key()
    {
        var key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var keyFile = dir.File("log.key");
        File.WriteAllBytes(keyFile, key);
        await WriteLogAsync(3, key: key);

        var without = await MeshProcess.RunAsync("audit", "verify", LogPath);
        var with = await MeshProcess.RunAsync("audit", "verify", "--key", keyFile, LogPath);

        Assert.True(without.ExitCode == 1, without.ToString());
        Assert.Contains(without.StdOutLines, l => l.Contains(": key: ", StringComparison.Ordinal) && l.Contains("pass --key", StringComparison.Ordinal));
        Assert.True(with.ExitCode == 0, with.ToString());
    }

    [Fact]
    public async Task Verify_of_a_file_that_does_not_exist_fails_with_one_reason()
    {
        var result = await MeshProcess.RunAsync("audit", "verify", dir.File("nope.log"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mesh: ", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_digest_prints_what_the_loader_computes()
    {
        var result = await MeshProcess.RunAsync("audit", "policy-digest", RepoPaths.DemoPolicies);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(PolicyLoader.LoadDirectory(RepoPaths.DemoPolicies).Policies!.Digest, Assert.Single(result.StdOutLines));
    }
}
