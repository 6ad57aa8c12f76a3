using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Results;

/// <summary>The four tests run on every scenario.</summary>
internal static class TestNames
{
    /// <summary>Max req/s: wrk -t2 -c32, keep-alive.</summary>
    public const string Throughput = "throughput-32-conns";

    /// <summary>Latency percentiles with one connection: wrk -t1 -c1 --latency.</summary>
    public const string Latency = "latency-1-conn";

    /// <summary>Open-loop 1000 req/s over 8 connections: latency from the due time, CPU and memory per proxy.</summary>
    public const string FixedRate = "fixed-1000-rps";

    /// <summary>req/s with a new connection per request: wrk -t2 -c32 -H "Connection: close".</summary>
    public const string NewConnection = "new-connection-per-request";
}

/// <summary>One test of one scenario in one repetition. <see cref="Clean"/> is false if it failed or saw any error.</summary>
internal sealed record TestResult(
    string Test,
    string Command,
    double? RequestsPerSecond,
    long Requests,
    long Non2xx,
    long SocketErrors,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    string? Error,
    string? Detail,
    FixedRateDetail? FixedRate = null)
{
    public bool Clean => Error is null && Non2xx == 0 && SocketErrors == 0;

    public string? Problem => Clean ? null
        : Error ?? $"{Non2xx} non-2xx responses, {SocketErrors} socket errors{(Detail is null ? "" : $" ({Detail})")}";
}

/// <summary>The fixed-rate generator's own numbers: how much was due and done, and how late it sent (its own noise).</summary>
internal sealed record FixedRateDetail(int Scheduled, int Completed, double AchievedRate, double? MaxMs, double? SendLatenessP50Ms, double? SendLatenessP99Ms);

/// <summary>
/// One proxy process (with its descendants, e.g. nginx workers). CPU is utime+stime over the fixed-rate test;
/// RSS is VmRSS when idle after start, and VmHWM (peak) after all four tests; both summed over the process tree.
/// A number is null when the process was no longer running to be measured.
/// </summary>
internal sealed record ProxyResult(string Role, string Process, int Pid, int ProcessCount, double? IdleRssMiB, double? PeakRssMiB, double? CpuSeconds, double? CpuSecondsPer1kRequests);

/// <summary>One scenario in one repetition.</summary>
internal sealed record ScenarioRun(
    int Rep,
    string Scenario,
    string Variant,
    DateTimeOffset Started,
    double Seconds,
    double BackgroundBusyPercent,
    string? StartError,
    IReadOnlyList<TestResult> Tests,
    IReadOnlyList<ProxyResult> Proxies,
    IReadOnlyList<string> Problems)
{
    public TestResult? Test(string name) => Tests.FirstOrDefault(t => t.Test == name);
}

/// <summary>A peer's setting chosen once per run by a short 32-connection trial of each candidate.</summary>
internal sealed record TuningResult(string Scenario, string Chosen, string Reason, IReadOnlyList<TrialResult> Trials);

internal sealed record TrialResult(string Variant, double? RequestsPerSecond, string? Error);

/// <summary>The settings the run used.</summary>
internal sealed record RunSettings(int Reps, int DurationSeconds, int WarmupSeconds, int TuneSeconds, bool Smoke, IReadOnlyList<string> Scenarios,
    int FixedRate, int FixedRateConnections, int BackendWorkers, IReadOnlyList<int> Ports);

/// <summary>Everything a run produced; serialized as the JSON result and rendered as the Markdown one.</summary>
internal sealed record RunReport(
    string Id,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    double HarnessSeconds,
    double? WallSecondsIncludingBuild,
    string CommandLine,
    RunSettings Settings,
    MachineInfo Machine,
    IReadOnlyList<TuningResult> Tuning,
    IReadOnlyDictionary<string, ScenarioSetup> Setups,
    IReadOnlyList<ScenarioRun> Runs,
    Summary Summary)
{
    public IReadOnlyList<string> Problems => Runs.SelectMany(r => r.StartError is null
            ? r.Problems.Select(p => $"rep {r.Rep}, {r.Scenario}: {p}")
            : [$"rep {r.Rep}, {r.Scenario}: did not start: {r.StartError}"])
        .Concat(Tuning.SelectMany(t => t.Trials.Where(x => x.Error is not null).Select(x => $"tuning {t.Scenario} ({x.Variant}): {x.Error}")))
        .ToList();
}
