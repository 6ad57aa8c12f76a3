using System.Text.Json;

namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>The chain across size-based rotation and across restarts of the writer, on real files.</summary>
public sealed class RotationAndRestartTests : IDisposable
{
    private readonly ScratchDir dir = new();

    public void Dispose() => dir.Dispose();

    private string LogPath => dir.File("decisions.log");

    private DecisionLogOptions Options(long maxBytes = 0, int keep = 0) => new() { Path = LogPath, Node = "node-1", MaxBytes = maxBytes, Keep = keep };

    /// <summary>Rotated segments oldest first, then the active file: the order verify takes them in.</summary>
    private string[] AllFiles() =>
        [.. Directory.GetFiles(dir.Path, "decisions.log.*").Where(f => f != LogPath).Order(StringComparer.Ordinal), LogPath];

    private static JsonElement Last(string file) => JsonDocument.Parse(File.ReadAllLines(file)[^1]).RootElement.Clone();

    private static JsonElement First(string file) => JsonDocument.Parse(File.ReadAllLines(file)[0]).RootElement.Clone();

    [Fact]
    public async Task Rotation_keeps_the_chain_across_numbered_segments()
    {
        await SampleRecords.WriteAsync(Options(maxBytes: 8 * 1024), 100);

        var files = AllFiles();
        Assert.True(files.Length >= 4, $"expected several segments, got {files.Length}");
        Assert.Equal(LogPath + ".000001", files[0]);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 8 * 1024, $"{f} is past maxBytes"));
        var report = new DecisionLogVerifier().Verify(files);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(101, report.Records);
        Assert.Single(report.Chains);
    }

    [Fact]
    public async Task Deleting_a_whole_rotated_file_names_the_gap_at_the_next_file()
    {
        await SampleRecords.WriteAsync(Options(maxBytes: 8 * 1024), 100);
        var files = AllFiles();
        File.Delete(files[1]);

        var report = new DecisionLogVerifier().Verify([.. files.Where(File.Exists)]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal((files[2], 1L, ChainBreaks.Missing), (problem.File, problem.Line, problem.Kind));
        Assert.Contains("a deleted file?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keep_deletes_the_oldest_segments_and_the_rest_verifies_as_partial()
    {
        await SampleRecords.WriteAsync(Options(maxBytes: 8 * 1024, keep: 2), 100);

        var files = AllFiles();
        Assert.Equal(3, files.Length);
        Assert.False(new DecisionLogVerifier().Verify(files).Ok);
        var partial = new DecisionLogVerifier(partial: true).Verify(files);
        Assert.True(partial.Ok, string.Join("\n", partial.Problems));
    }

    [Fact]
    public async Task A_restart_continues_seq_and_prev_from_the_last_record_with_a_resume_event()
    {
        await SampleRecords.WriteAsync(Options(), 3, "first-");
        var before = Last(LogPath);
        await SampleRecords.WriteAsync(Options(), 3, "second-");

        var lines = File.ReadAllLines(LogPath);
        var resume = JsonDocument.Parse(lines[4]).RootElement;
        Assert.Equal("resume", resume.GetProperty("event").GetString());
        Assert.Equal(before.GetProperty("seq").GetInt64() + 1, resume.GetProperty("seq").GetInt64());
        Assert.Equal(before.GetProperty("chain").GetString(), resume.GetProperty("chain").GetString());
        var report = new DecisionLogVerifier().Verify([LogPath]);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(8, report.Records);
        Assert.Single(report.Chains);
    }

    [Fact]
    public async Task A_restart_after_rotation_continues_from_the_newest_segment_when_the_active_file_is_missing()
    {
        await SampleRecords.WriteAsync(Options(maxBytes: 8 * 1024), 30);
        new Mesh.Policy.DecisionLog.SegmentFiles(LogPath).Rotate();

        await SampleRecords.WriteAsync(Options(maxBytes: 8 * 1024), 3);

        var report = new DecisionLogVerifier().Verify(AllFiles());
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal("resume", First(LogPath).GetProperty("event").GetString());
    }

    [Fact]
    public async Task A_torn_last_line_is_set_aside_and_the_restart_records_the_break()
    {
        await SampleRecords.WriteAsync(Options(), 5);
        var lastComplete = Last(LogPath);
        var torn = "{\"schema\":1,\"seq\":7,\"cha"u8.ToArray();
        await using (var file = new FileStream(LogPath, FileMode.Append))
        {
            file.Write(torn);
        }

        await SampleRecords.WriteAsync(Options(), 2, "after-");

        var files = AllFiles();
        Assert.Equal([LogPath + ".000001", LogPath], files);
        Assert.EndsWith("\"cha", File.ReadAllText(files[0]), StringComparison.Ordinal);
        var first = First(LogPath);
        Assert.Equal("torn_tail", first.GetProperty("event").GetString());
        Assert.Equal(torn.Length, first.GetProperty("torn").GetProperty("bytes").GetInt64());
        Assert.Equal("decisions.log.000001", first.GetProperty("torn").GetProperty("file").GetString());
        Assert.Equal(lastComplete.GetProperty("seq").GetInt64() + 1, first.GetProperty("seq").GetInt64());

        var report = new DecisionLogVerifier().Verify(files);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        var note = Assert.Single(report.Notes, n => n.Kind == ChainBreaks.TornTail);
        Assert.Equal((files[0], 7L), (note.File, note.Line));
        Assert.Contains("acknowledged by the agent's restart", note.Message, StringComparison.Ordinal);

        // Without the file that holds the acknowledgement, the torn tail is a problem.
        var alone = new DecisionLogVerifier().Verify([files[0]]);
        Assert.Equal(ChainBreaks.TornTail, Assert.Single(alone.Problems).Kind);
    }

    [Fact]
    public async Task A_file_that_does_not_end_in_a_v1_record_is_set_aside_and_a_new_chain_says_why()
    {
        File.WriteAllText(LogPath, "{\"time\":\"2025-01-01T00:00:00.000Z\",\"id\":\"legacy\",\"decision\":\"ALLOW\"}\n");

        await SampleRecords.WriteAsync(Options(), 2);

        Assert.Contains("legacy", File.ReadAllText(LogPath + ".000001"), StringComparison.Ordinal);
        var start = First(LogPath);
        Assert.Equal("start", start.GetProperty("event").GetString());
        Assert.Contains("does not end in a v1 chain record", start.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.True(new DecisionLogVerifier().Verify([LogPath]).Ok);
    }

    [Fact]
    public async Task A_keyed_chain_verifies_only_with_its_key_and_a_new_key_starts_a_new_chain()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        await SampleRecords.WriteAsync(Options() with { HmacKey = key }, 3);

        Assert.True(new DecisionLogVerifier(key).Verify([LogPath]).Ok);
        var withoutKey = new DecisionLogVerifier().Verify([LogPath]);
        Assert.Equal(ChainBreaks.Key, Assert.Single(withoutKey.Problems).Kind);
        var wrongKey = new DecisionLogVerifier(new byte[32]).Verify([LogPath]);
        Assert.Contains(wrongKey.Problems, p => p.Kind == ChainBreaks.Edited);

        // A plain (recomputable) chain where a keyed one was expected is a problem, not a pass.
        await SampleRecords.WriteAsync(Options(), 1);
        var rewritten = new DecisionLogVerifier(key).Verify([.. AllFiles()]);
        Assert.Contains(rewritten.Problems, p => p.Kind == ChainBreaks.Key);
        Assert.Contains("does not link under this agent's sha256", First(LogPath).GetProperty("note").GetString(), StringComparison.Ordinal);
    }
}
