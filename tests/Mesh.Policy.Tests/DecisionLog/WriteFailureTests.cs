namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>
/// The writer when the log cannot be written. Tests run as root in CI, where file modes do not stop writes, so the
/// failures here are ones root gets too: a path whose parent is a regular file, a directory replaced by a file before a
/// rotation, and /dev/full (ENOSPC on every write).
/// </summary>
public sealed class WriteFailureTests : IDisposable
{
    private readonly ScratchDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task A_path_under_a_regular_file_leaves_the_log_failed_from_the_start_and_counts_what_it_could_not_keep()
    {
        File.WriteAllText(dir.File("not-a-dir"), "");
        Exception? reported = null;
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = dir.File("not-a-dir/decisions.log"), OnFailure = e => reported = e });

        log.Write(SampleRecords.Deny("a"));
        log.Write(SampleRecords.Deny("b"));

        Assert.NotNull(log.Failure);
        Assert.Same(log.Failure, reported);
        await Assert.ThrowsAsync<IOException>(() => log.FlushAsync());
        Assert.Equal(2, log.Lost);
    }

    [Fact]
    public async Task A_directory_replaced_by_a_file_fails_the_log_at_the_next_rotation()
    {
        var logDir = Directory.CreateDirectory(dir.File("logs")).FullName;
        var failures = 0;
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions
        {
            Path = Path.Combine(logDir, "decisions.log"),
            MaxBytes = 8 * 1024,
            OnFailure = _ => Interlocked.Increment(ref failures),
        });
        log.Write(SampleRecords.Deny("before"));
        await log.FlushAsync();

        Directory.Move(logDir, dir.File("logs-moved"));
        File.WriteAllText(logDir, "in the way");
        for (var i = 0; i < 50; i++)
        {
            log.Write(SampleRecords.Deny($"r{i}"));
        }

        await Assert.ThrowsAsync<IOException>(() => log.FlushAsync());
        Assert.NotNull(log.Failure);
        Assert.Equal(1, failures);
        Assert.True(log.Lost > 0);
    }

    [SkippableFact]
    public async Task A_full_disk_fails_the_log_at_the_first_flush()
    {
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        var path = dir.File("decisions.log");
        File.CreateSymbolicLink(path, "/dev/full");
        await using var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = path });

        log.Write(SampleRecords.Deny("a"));

        await Assert.ThrowsAsync<IOException>(() => log.FlushAsync());
        Assert.Contains("No space left", log.Failure?.Message, StringComparison.Ordinal);
    }
}
