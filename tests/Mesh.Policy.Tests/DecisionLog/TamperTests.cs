namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>
/// A log written by the real writer, then tampered with the way an attacker or an accident would; the verifier must
/// name the file, the line and what happened. Lines are 1-based; line 1 is the chain's start event, record i is line i+2.
/// </summary>
public sealed class TamperTests : IDisposable
{
    private const int Records = 10;
    private readonly ScratchDir dir = new();

    public TamperTests() => SampleRecords.WriteAsync(new DecisionLogOptions { Path = LogPath }, Records).GetAwaiter().GetResult();

    public void Dispose() => dir.Dispose();

    private string LogPath => dir.File("decisions.log");

    private List<string> Lines() => [.. File.ReadAllText(LogPath).Split('\n')[..^1]];

    private void Save(IEnumerable<string> lines, bool trailingNewline = true) =>
        File.WriteAllText(LogPath, string.Join('\n', lines) + (trailingNewline ? "\n" : ""));

    private VerifyFinding SingleProblem()
    {
        var report = new DecisionLogVerifier().Verify([LogPath]);
        Assert.False(report.Ok, "the tampering went unnoticed");
        return report.Problems[0];
    }

    [Fact]
    public void Untouched_log_verifies_with_its_count_chain_and_head()
    {
        var report = new DecisionLogVerifier().Verify([LogPath]);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(Records + 1, report.Records);
        Assert.Single(report.Chains);
        Assert.Equal(Records + 1, report.HeadSeq);
        Assert.Matches("^[0-9a-f]{64}$", report.HeadLink);
    }

    [Fact]
    public void Editing_a_field_names_the_edited_line()
    {
        var lines = Lines();
        lines[4] = lines[4].Replace("\"DENY\"", "\"ALLOW\"", StringComparison.Ordinal);
        Save(lines);

        var problem = SingleProblem();

        Assert.Equal((LogPath, 5L, ChainBreaks.Edited), (problem.File, problem.Line, problem.Kind));
        Assert.Contains("seq 5 was altered", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deleting_a_record_names_where_the_seq_jumps()
    {
        var lines = Lines();
        lines.RemoveAt(4);
        Save(lines);

        var problem = SingleProblem();

        Assert.Equal((5L, ChainBreaks.Missing), (problem.Line, problem.Kind));
        Assert.Contains("1 record(s) missing: seq jumps from 4", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapping_two_records_is_reported_as_reordered()
    {
        var lines = Lines();
        (lines[4], lines[5]) = (lines[5], lines[4]);
        Save(lines);

        var problem = SingleProblem();

        Assert.Equal((5L, ChainBreaks.Reordered), (problem.Line, problem.Kind));
    }

    [Fact]
    public void Inserting_a_forged_record_with_a_correct_prev_names_the_forged_line()
    {
        // The strongest attacker without a key: copies record 5's envelope (seq and prev) onto an ALLOW of their own.
        var lines = Lines();
        var forged = lines[5].Replace("\"DENY\"", "\"ALLOW\"", StringComparison.Ordinal).Replace("\"r4\"", "\"forged\"", StringComparison.Ordinal);
        lines.Insert(5, forged);
        Save(lines);

        var problem = SingleProblem();

        Assert.Equal((6L, ChainBreaks.Inserted), (problem.Line, problem.Kind));
    }

    [Fact]
    public void Truncating_the_tail_mid_record_is_a_torn_tail()
    {
        var bytes = File.ReadAllBytes(LogPath);
        File.WriteAllBytes(LogPath, bytes[..^40]);

        var problem = SingleProblem();

        Assert.Equal((LogPath, (long)Records + 1, ChainBreaks.TornTail), (problem.File, problem.Line, problem.Kind));
        Assert.Contains("incomplete line", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_that_is_not_a_record_is_named()
    {
        var lines = Lines();
        lines.Insert(3, "{\"note\":\"hello\"}");
        Save(lines);

        var problem = SingleProblem();

        Assert.Equal((4L, ChainBreaks.NotARecord), (problem.Line, problem.Kind));
    }

    [Fact]
    public void Removing_the_start_is_reported_unless_partial_verification_is_asked_for()
    {
        Save(Lines().Skip(3));

        var problem = SingleProblem();
        var partial = new DecisionLogVerifier(partial: true).Verify([LogPath]);

        Assert.Equal((1L, ChainBreaks.StartsMidChain), (problem.Line, problem.Kind));
        Assert.True(partial.Ok, string.Join("\n", partial.Problems));
        Assert.Contains(partial.Notes, n => n.Kind == ChainBreaks.StartsMidChain);
    }

    [Fact]
    public void Editing_the_last_record_is_seen_only_by_comparing_the_head_with_an_anchored_one()
    {
        // The honest limit of a chain (docs/decision-log.md): nothing follows the last line to vouch for it.
        var anchored = new DecisionLogVerifier().Verify([LogPath]).HeadLink;
        var lines = Lines();
        lines[^1] = lines[^1].Replace("\"DENY\"", "\"ALLOW\"", StringComparison.Ordinal);
        Save(lines);

        var report = new DecisionLogVerifier().Verify([LogPath]);

        Assert.True(report.Ok);
        Assert.NotEqual(anchored, report.HeadLink);
        var withAnchor = new DecisionLogVerifier(anchors: [new ChainAnchor(Records + 1, anchored!)]).Verify([LogPath]);
        var problem = Assert.Single(withAnchor.Problems);
        Assert.Equal((LogPath, (long)Records + 1, ChainBreaks.Anchor), (problem.File, problem.Line, problem.Kind));
    }
}
