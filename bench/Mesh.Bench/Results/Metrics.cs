namespace Mesh.Bench.Results;

/// <summary>
/// A number taken from each scenario run. A value from a test that failed or saw errors is null (left out of
/// medians and ratios); <see cref="AppliesTo"/> is false where the number does not exist (no proxy in `direct`).
/// </summary>
internal sealed record Metric(string Key, string Label, string Unit, bool HigherIsBetter, Func<ScenarioRun, double?> Value, bool PerProxy = false)
{
    public bool AppliesTo(ScenarioRun run) => !PerProxy || run.Proxies.Count > 0 || run.StartError is not null;
}

internal static class Metrics
{
    public static readonly Metric Throughput = new("rps_32_conns", "req/s, 32 conns", "req/s", true, r => Clean(r, TestNames.Throughput)?.RequestsPerSecond);
    public static readonly Metric LatencyP50 = new("latency_1_conn_p50_ms", "1 conn p50", "ms", false, r => Clean(r, TestNames.Latency)?.P50Ms);
    public static readonly Metric LatencyP90 = new("latency_1_conn_p90_ms", "1 conn p90", "ms", false, r => Clean(r, TestNames.Latency)?.P90Ms);
    public static readonly Metric LatencyP99 = new("latency_1_conn_p99_ms", "1 conn p99", "ms", false, r => Clean(r, TestNames.Latency)?.P99Ms);
    public static readonly Metric FixedP50 = new("fixed_1000_rps_p50_ms", "1000 req/s p50", "ms", false, r => Clean(r, TestNames.FixedRate)?.P50Ms);
    public static readonly Metric FixedP99 = new("fixed_1000_rps_p99_ms", "1000 req/s p99", "ms", false, r => Clean(r, TestNames.FixedRate)?.P99Ms);
    public static readonly Metric NewConnection = new("rps_new_conn", "req/s, new conn per request", "req/s", true, r => Clean(r, TestNames.NewConnection)?.RequestsPerSecond);

    public static readonly Metric CpuPer1k = new("cpu_s_per_1k_req", "CPU s per 1k req (both proxies)", "s", false,
        r => Clean(r, TestNames.FixedRate) is null ? null : SumOrNull(r, p => p.CpuSecondsPer1kRequests), PerProxy: true);

    public static readonly Metric IdleRss = new("idle_rss_mib", "idle RSS (both proxies)", "MiB", false,
        r => SumOrNull(r, p => p.IdleRssMiB), PerProxy: true);

    public static readonly Metric PeakRss = new("peak_rss_mib", "peak RSS (both proxies)", "MiB", false,
        r => r.Tests.Count < 4 ? null : SumOrNull(r, p => p.PeakRssMiB), PerProxy: true);

    public static IReadOnlyList<Metric> All { get; } =
        [Throughput, LatencyP50, LatencyP90, LatencyP99, FixedP50, FixedP99, NewConnection, CpuPer1k, IdleRss, PeakRss];

    /// <summary>Both proxies' values added, or null if there are none or either one is missing.</summary>
    private static double? SumOrNull(ScenarioRun run, Func<ProxyResult, double?> value) =>
        run.Proxies.Count == 0 || run.Proxies.Any(p => value(p) is null) ? null : run.Proxies.Sum(p => value(p)!.Value);

    private static TestResult? Clean(ScenarioRun run, string test) => run.Test(test) is { Clean: true } t ? t : null;
}
