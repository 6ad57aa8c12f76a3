using System.Diagnostics;
using Mesh.Bench.Load;
using Mesh.Bench.Processes;
using Mesh.Bench.Results;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Orchestration;

/// <summary>Runs the four tests on one scenario, measuring each proxy process around them.</summary>
internal sealed class ScenarioRunner(BenchOptions options, string workDir, Pki pki, string meshBinary, string wwwRoot, TextWriter progress)
{
    public const int FixedRate = 1000;
    public const int FixedRateConnections = 8;

    public async Task<(ScenarioRun Run, ScenarioSetup? Setup)> RunAsync(IScenario scenario, Variant variant, int rep, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var context = new ScenarioContext(Path.Combine(workDir, $"rep{rep}-{scenario.Name}"), pki, meshBinary, wwwRoot);
        var busy = await ProcStats.SystemBusyFractionAsync(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false) * 100;
        var tests = new List<TestResult>();
        var proxies = new List<ProxyResult>();
        var problems = new List<string>();
        ScenarioSetup? setup = null;
        string? startError = null;
        progress.Write($"[rep {rep}/{options.Reps}] {scenario.Name} ({variant.Label}): ");
        try
        {
            var session = await ScenarioSession.StartAsync(scenario, variant, context, ct).ConfigureAwait(false);
            try
            {
                setup = session.Running.Setup;
                await RunTestsAsync(session, tests, proxies, problems, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug or an unexpected failure in one scenario must not lose the others' results.
                problems.Add($"the harness failed during the tests: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                try
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
                catch (BenchException e)
                {
                    problems.Add($"after stopping: {e.Message}");
                }
            }
        }
        catch (BenchException e)
        {
            startError = e.Message;
            progress.Write($"did not start: {e.Message}");
        }
        progress.WriteLine();
        problems.InsertRange(0, tests.Where(t => !t.Clean).Select(t => $"{t.Test}: {t.Problem}"));
        return (new ScenarioRun(rep, scenario.Name, variant.Label, started, clock.Elapsed.TotalSeconds, Math.Round(busy, 1), startError, tests, proxies, problems), setup);
    }

    /// <summary>Tuning: the 32-connection test alone, shorter, on one candidate setting.</summary>
    public async Task<TrialResult> TrialAsync(IScenario scenario, Variant variant, CancellationToken ct)
    {
        var context = new ScenarioContext(Path.Combine(workDir, "tuning", $"{scenario.Name}-{variant.Workers}-{variant.PeerProtocol?.Replace('/', '_') ?? "x"}"), pki, meshBinary, wwwRoot);
        try
        {
            var session = await ScenarioSession.StartAsync(scenario, variant, context, ct).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                await Wrk.RunAsync(session.EntryPort, Readiness.Path, 2, 32, options.WarmupSeconds, latency: false, closeEachConnection: false, ct).ConfigureAwait(false);
                var run = await Wrk.RunAsync(session.EntryPort, Readiness.Path, 2, 32, options.TuneSeconds, latency: false, closeEachConnection: false, ct).ConfigureAwait(false);
                var result = ToResult(TestNames.Throughput, run);
                return new TrialResult(variant.Label, result.Clean ? result.RequestsPerSecond : null, result.Problem);
            }
        }
        catch (BenchException e)
        {
            return new TrialResult(variant.Label, null, e.Message);
        }
    }

    private async Task RunTestsAsync(ScenarioSession session, List<TestResult> tests, List<ProxyResult> proxyResults, List<string> problems, CancellationToken ct)
    {
        var port = session.EntryPort;
        var path = Readiness.Path;
        var proxies = session.Running.Proxies;
        var idleRss = proxies.Select(p => Measure(p, () => ProcStats.StatusMiB(p.Process.Pid, "VmRSS"))).ToList();

        var warmup = await Wrk.RunAsync(port, path, 2, 32, options.WarmupSeconds, latency: false, closeEachConnection: false, ct).ConfigureAwait(false);
        if (ToResult("warm-up", warmup).Problem is { } warmupProblem)
        {
            problems.Add($"warm-up: {warmupProblem}");
        }

        var throughput = ToResult(TestNames.Throughput,
            await Wrk.RunAsync(port, path, 2, 32, options.DurationSeconds, latency: false, closeEachConnection: false, ct).ConfigureAwait(false));
        tests.Add(throughput);
        progress.Write($"{Format(throughput.RequestsPerSecond)} req/s");

        var latency = ToResult(TestNames.Latency,
            await Wrk.RunAsync(port, path, 1, 1, options.DurationSeconds, latency: true, closeEachConnection: false, ct).ConfigureAwait(false));
        tests.Add(latency);
        progress.Write($" | 1 conn p50 {latency.P50Ms:0.000} p99 {latency.P99Ms:0.000} ms");

        var cpuBefore = proxies.Select(p => Measure(p, () => ProcStats.CpuSeconds(p.Process.Pid))).ToList();
        var fixedRate = await Task.Run(() => FixedRateLoad.Run(port, path, FixedRate, FixedRateConnections, TimeSpan.FromSeconds(options.DurationSeconds), ct), ct).ConfigureAwait(false);
        var cpuAfter = proxies.Select(p => Measure(p, () => ProcStats.CpuSeconds(p.Process.Pid))).ToList();
        var fixedResult = ToResult(fixedRate);
        tests.Add(fixedResult);
        progress.Write($" | {FixedRate}/s p50 {fixedResult.P50Ms:0.000} p99 {fixedResult.P99Ms:0.000} ms");

        var newConnection = ToResult(TestNames.NewConnection,
            await Wrk.RunAsync(port, path, 2, 32, options.DurationSeconds, latency: false, closeEachConnection: true, ct).ConfigureAwait(false));
        tests.Add(newConnection);
        progress.Write($" | new conn {Format(newConnection.RequestsPerSecond)} req/s");
        if (tests.Any(t => !t.Clean))
        {
            progress.Write(" | ERRORS");
        }

        for (var i = 0; i < proxies.Count; i++)
        {
            var p = proxies[i];
            double? cpu = cpuAfter[i] - cpuBefore[i] is { } delta ? Math.Round(Math.Max(0, delta), 3) : null;
            proxyResults.Add(new ProxyResult(p.Role, p.Process.Name, p.Process.Pid, ProcStats.Tree(p.Process.Pid).Count,
                Round(idleRss[i], 2), Round(Measure(p, () => ProcStats.StatusMiB(p.Process.Pid, "VmHWM")), 2),
                cpu, cpu is { } c && fixedRate.Completed > 0 ? Math.Round(c / (fixedRate.Completed / 1000.0), 5) : null));
        }
        problems.AddRange(session.ExitedProcesses());
    }

    private static TestResult ToResult(string test, Wrk.Run run)
    {
        if (run.Output is not { } o)
        {
            return new TestResult(test, run.CommandLine, null, 0, 0, 0, null, null, null, run.Error, null);
        }
        var detail = o.SocketErrors > 0 ? $"connect {o.ConnectErrors}, read {o.ReadErrors}, write {o.WriteErrors}, timeout {o.Timeouts}" : null;
        double? Percentile(int p) => o.PercentilesMs.TryGetValue(p, out var ms) ? ms : null;
        return new TestResult(test, run.CommandLine, Math.Round(o.RequestsPerSecond, 1), o.Requests, o.Non2xx, o.SocketErrors,
            Percentile(50), Percentile(90), Percentile(99), null, detail);
    }

    private static TestResult ToResult(FixedRateLoad.Result r)
    {
        var missing = r.Scheduled - r.Completed - (int)r.Errors;
        var error = r.Completed == 0 ? $"no request completed{(r.FirstError is null ? "" : $": {r.FirstError}")}" : null;
        var detail = r.Errors > 0 || missing > 0 ? $"{r.Errors} failed, {Math.Max(0, missing)} not sent; first error: {r.FirstError}" : null;
        return new TestResult(TestNames.FixedRate,
            $"built-in open-loop generator: {FixedRate} req/s over {FixedRateConnections} keep-alive connections, GET {Readiness.Path}",
            Math.Round(r.AchievedRate, 1), r.Completed, r.Non2xx, r.Errors + Math.Max(0, missing),
            Round(r.Latency.PercentileMs(50)), Round(r.Latency.PercentileMs(90)), Round(r.Latency.PercentileMs(99)), error, detail,
            new FixedRateDetail(r.Scheduled, r.Completed, Math.Round(r.AchievedRate, 1), Round(r.Latency.PercentileMs(100)),
                Round(r.SendLateness.PercentileMs(50)), Round(r.SendLateness.PercentileMs(99))));
    }

    private static double? Round(double? v, int digits = 4) => v is { } x ? Math.Round(x, digits) : null;

    /// <summary>A /proc reading of a proxy, or null if it has exited (its /proc entry is gone or about to be).</summary>
    private static double? Measure(ProxyProcess proxy, Func<double> read)
    {
        if (proxy.Process.HasExited)
        {
            return null;
        }
        var value = read();
        return proxy.Process.HasExited ? null : value;
    }

    private static string Format(double? rps) => rps is { } r ? r.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-";
}
