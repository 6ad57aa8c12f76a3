using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Mesh.Bench.Micro;

/// <summary>
/// The suite's default job. BenchmarkDotNet's default job takes ~1 minute per case; on a 2-core box shared with
/// other work that puts the suite past 10 minutes without making the numbers any truer, so fewer, fixed iterations.
/// </summary>
internal static class BenchJobs
{
    /// <summary>
    /// The agent runs under the CLI host, which turns server and concurrent GC off (src/Cli/Mesh.Cli.csproj);
    /// measure under the same GC so allocation costs look as they do in production.
    /// </summary>
    public static readonly Job Quick = Job.Default
        .WithId("Quick")
        .WithLaunchCount(1)
        .WithWarmupCount(4)
        .WithIterationCount(12)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
        .WithGcServer(false)
        .WithGcConcurrent(false);

    /// <summary>
    /// Reports go under the build output (bin/, ignored by git) rather than the current directory, which is
    /// usually the repository root; <c>--artifacts DIR</c> still overrides.
    /// </summary>
    public static IConfig ConfigFor(string[] args)
    {
        // Median and Min next to Mean: on a box shared with other work, Min is the closest to the code's own cost
        // and a Mean far above the Median says the run was disturbed.
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
        var jobGiven = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
        return jobGiven ? config : config.AddJob(Quick.AsDefault());
    }
}
