using System.Globalization;
using System.Text;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Results;

/// <summary>Renders a <see cref="RunReport"/> as the Markdown summary; the JSON holds every number behind it.</summary>
internal static class MarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(RunReport report)
    {
        var md = new StringBuilder();
        var s = report.Settings;
        md.AppendLine("# Mesh.Security side-by-side benchmark").AppendLine();
        md.AppendLine(Inv, $"Run {report.Id} · {s.Reps} repetition{(s.Reps == 1 ? "" : "s")} × {s.DurationSeconds} s per test (+{s.WarmupSeconds} s warm-up) · " +
            $"took {Duration(report.HarnessSeconds)}{(report.WallSecondsIncludingBuild is { } wall ? $" ({Duration(wall)} with the build)" : "")} · `{report.CommandLine}`");
        md.AppendLine();
        if (s.Smoke)
        {
            md.AppendLine("> **Smoke run** (`--smoke`): one short repetition with untuned peers, to check that the harness works. Do not compare these numbers.").AppendLine();
        }

        Machine(md, report);
        Settings(md, report);
        Results(md, report);
        Costs(md, report);
        Ratios(md, report);
        Problems(md, report);
        md.AppendLine("What each number means and how it is measured: [bench/README.md](../README.md). Every run's raw numbers, commands and configs: the `.json` next to this file.");
        return md.ToString();
    }

    private static void Machine(StringBuilder md, RunReport report)
    {
        var m = report.Machine;
        var busy = report.Runs.Select(r => r.BackgroundBusyPercent).ToList();
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine("| | |").AppendLine("|---|---|");
        md.AppendLine(Inv, $"| CPU | {m.CpuModel}, {m.Cores} cores, {m.MemoryGiB} GiB RAM |");
        md.AppendLine(Inv, $"| kernel | {m.Kernel} |");
        md.AppendLine(Inv, $"| .NET | SDK {m.DotnetSdk}, runtime {m.DotnetRuntime} |");
        md.AppendLine(Inv, $"| OpenSSL | {m.OpenSsl} |");
        md.AppendLine(Inv, $"| HAProxy | {m.Haproxy} |");
        md.AppendLine(Inv, $"| nginx | {m.Nginx} |");
        md.AppendLine(Inv, $"| wrk | {m.Wrk} |");
        md.AppendLine(Inv, $"| Mesh.Security | commit {m.MeshCommit}{(m.MeshSourceModified ? " plus uncommitted changes in src/" : "")}, published Release |");
        if (busy.Count > 0)
        {
            md.AppendLine(Inv, $"| other load | CPU busy in the 0.5 s before each scenario: median {Stat.Of(busy.Select(b => (double?)b).ToList()).Median:0}%, max {busy.Max():0}% (above ~10% the numbers are noisy) |");
        }
        md.AppendLine();
    }

    private static void Settings(StringBuilder md, RunReport report)
    {
        md.AppendLine("## Settings").AppendLine();
        md.AppendLine("| scenario | setting used | chosen by | trials (req/s, 32 conns) |").AppendLine("|---|---|---|---|");
        foreach (var name in report.Settings.Scenarios)
        {
            var tuning = report.Tuning.FirstOrDefault(t => t.Scenario == name);
            var variant = report.Runs.FirstOrDefault(r => r.Scenario == name)?.Variant ?? "";
            var trials = tuning is null ? "" : string.Join(" · ", tuning.Trials.Select(t => $"{t.Variant}: {(t.RequestsPerSecond is { } r ? Rps(r) : "failed")}"));
            md.AppendLine(Inv, $"| {name} | {tuning?.Chosen ?? variant} | {tuning?.Reason ?? "fixed"} | {trials} |");
        }
        md.AppendLine(Inv, $"| backend nginx | worker_processes {report.Settings.BackendWorkers}, 1 KiB file, keep-alive, access_log off | same in all scenarios | |");
        md.AppendLine();
    }

    private static void Results(StringBuilder md, RunReport report)
    {
        var reps = report.Settings.Reps;
        md.AppendLine(reps > 1 ? $"## Throughput and latency (median of {reps} reps, (min–max))" : "## Throughput and latency").AppendLine();
        md.AppendLine("| scenario | req/s, 32 conns | 1 conn p50 ms | 1 conn p90 ms | 1 conn p99 ms | 1000 req/s p50 ms | 1000 req/s p99 ms | req/s, new conn per request |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var sc in report.Summary.Scenarios)
        {
            string C(Metric m) => Cell(sc.Metrics[m.Key], m.Unit == "ms" ? Ms : Rps);
            md.AppendLine(Inv, $"| {sc.Scenario} | {C(Metrics.Throughput)} | {C(Metrics.LatencyP50)} | {C(Metrics.LatencyP90)} | {C(Metrics.LatencyP99)} | {C(Metrics.FixedP50)} | {C(Metrics.FixedP99)} | {C(Metrics.NewConnection)} |");
        }
        md.AppendLine();
        md.AppendLine("`error` = no repetition of this test ran cleanly: it failed, or saw non-2xx responses or socket errors (see Problems). " +
            "† = the repetitions with errors are left out of this median.").AppendLine();
        var lateness = report.Runs.SelectMany(r => r.Tests).Where(t => t.FixedRate?.SendLatenessP99Ms is not null).Select(t => t.FixedRate!.SendLatenessP99Ms!.Value).ToList();
        if (lateness.Count > 0)
        {
            md.AppendLine(Inv, $"The 1000 req/s generator's own lateness (send time − due time), p99 per test: median {Ms(Stat.Of(lateness.Select(l => (double?)l).ToList()).Median!.Value)} ms, " +
                $"max {Ms(lateness.Max())} ms. Latency is measured from the due time, so this is included; when it is large the machine was busy.").AppendLine();
        }
    }

    private static void Costs(StringBuilder md, RunReport report)
    {
        if (report.Summary.Proxies.Count == 0)
        {
            return;
        }
        md.AppendLine("## Cost per proxy process").AppendLine();
        md.AppendLine("CPU = utime+stime of the process (all threads; nginx: master and workers) during the 1000 req/s test, per 1000 requests. " +
            "RSS idle = VmRSS after start, before any load; peak = VmHWM after all four tests.").AppendLine();
        md.AppendLine("| scenario | proxy | CPU s per 1k req | idle RSS MiB | peak RSS MiB |").AppendLine("|---|---|--:|--:|--:|");
        foreach (var p in report.Summary.Proxies)
        {
            md.AppendLine(Inv, $"| {p.Scenario} | {p.Role} | {Cell(p.CpuSecondsPer1k, Cpu)} | {Cell(p.IdleRssMiB, Mib)} | {Cell(p.PeakRssMiB, Mib)} |");
        }
        md.AppendLine();
    }

    private static void Ratios(StringBuilder md, RunReport report)
    {
        if (report.Summary.Ratios.Count == 0)
        {
            return;
        }
        var shown = new[] { Metrics.Throughput, Metrics.LatencyP50, Metrics.LatencyP99, Metrics.FixedP99, Metrics.CpuPer1k, Metrics.PeakRss, Metrics.NewConnection };
        md.AppendLine("## Mesh.Security / peer").AppendLine();
        md.AppendLine("Ratio mesh ÷ peer, computed within each repetition, then the median (min–max). " +
            "req/s: above 1 means Mesh.Security is faster. Latency, CPU and RSS: below 1 means Mesh.Security is better.").AppendLine();
        md.AppendLine("| mesh | peer | " + string.Join(" | ", shown.Select(m => m.Label)) + " |");
        md.AppendLine("|---|---|" + string.Concat(shown.Select(_ => "--:|")));
        foreach (var group in report.Summary.Ratios.GroupBy(r => (r.Mesh, r.Peer)))
        {
            var cells = shown.Select(m => Cell(group.First(r => r.Metric == m.Key).Ratio, Ratio));
            md.AppendLine(Inv, $"| {group.Key.Mesh} | {group.Key.Peer} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();
    }

    private static void Problems(StringBuilder md, RunReport report)
    {
        md.AppendLine("## Problems").AppendLine();
        var problems = report.Problems;
        if (problems.Count == 0)
        {
            md.AppendLine("None: every scenario started, and every test completed with 0 non-2xx responses and 0 socket errors.").AppendLine();
            return;
        }
        foreach (var p in problems)
        {
            md.AppendLine(Inv, $"- {p.Replace("\n", " ⏎ ", StringComparison.Ordinal)}");
        }
        md.AppendLine();
    }

    private static string Cell(Stat stat, Func<double, string> format)
    {
        if (stat.Median is not { } median)
        {
            return stat.Runs == 0 ? "–" : "error";
        }
        var mark = stat.Count < stat.Runs ? "†" : "";
        return stat.Count > 1 ? $"{format(median)}{mark} ({format(stat.Min!.Value)}–{format(stat.Max!.Value)})" : format(median) + mark;
    }

    private static string Rps(double v) => v.ToString("N0", Inv);

    private static string Ms(double v) => v.ToString(v < 10 ? "0.000" : "0.0", Inv);

    private static string Cpu(double v) => v.ToString("0.0000", Inv);

    private static string Mib(double v) => v.ToString("0.0", Inv);

    private static string Ratio(double v) => v.ToString("0.00", Inv) + "×";

    private static string Duration(double seconds) =>
        seconds < 90 ? $"{seconds:0} s" : $"{(int)(seconds / 60)} min {seconds % 60:0} s";
}
