using System.Runtime.InteropServices;
using Mesh.Bench;
using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;
using Mesh.Bench.Results;

// bench/run builds this and runs it; see bench/README.md. Exit codes are documented in BenchOptions.Usage.
var parsed = BenchOptions.Parse(args);
if (parsed.HelpRequested)
{
    Console.Out.WriteLine(BenchOptions.Usage);
    return 0;
}
if (parsed.Options is not { } options)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"bench: {error}");
    }
    return 1;
}
if (options.CheckOnly)
{
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});
// Last line of defence: whatever is still running when this process exits is stopped by pid.
AppDomain.CurrentDomain.ProcessExit += (_, _) => ProcessTracker.StopAll();

try
{
    var paths = BenchPaths.Find(options.RepoRoot);
    var report = await BenchRunner.RunAsync(options, paths, args, Console.Out, cts.Token).ConfigureAwait(false);
    var (markdown, json) = ReportWriter.Write(paths.ResultsDir, report);
    Console.Out.WriteLine();
    Console.Out.WriteLine(File.ReadAllText(Path.Combine(paths.ResultsDir, "latest.md")));
    Console.Out.WriteLine($"Results: {markdown} and {json} (copied to latest.md and latest.json)");
    if (report.Problems.Count > 0)
    {
        Console.Out.WriteLine($"{report.Problems.Count} problem(s); see the Problems section. Logs: {paths.WorkDir}");
        return 2;
    }
    return 0;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    ProcessTracker.StopAll();
    Console.Error.WriteLine("bench: interrupted; every process it started is stopped; no results written");
    return 130;
}
catch (BenchException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 1;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // Caught rather than left unhandled: an unhandled exception would skip the finally below.
    Console.Error.WriteLine($"bench: harness error: {e}");
    return 1;
}
finally
{
    ProcessTracker.StopAll();
}
