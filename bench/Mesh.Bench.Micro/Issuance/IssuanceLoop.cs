using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mesh.Ca;

namespace Mesh.Bench.Micro.Issuance;

/// <summary>
/// Issuances per second on one core: the issuer once the caller is authorized (the node certificate is checked once per
/// TLS connection, not per request): <see cref="Issuer.IssueManually"/> ( CSR parse + signature check,
/// template, sign, profile re-check) in a tight loop on distinct CSRs, one thread pinned to one CPU.
/// Not BenchmarkDotNet: the question is a rate over seconds, and the answer goes into a results file.
/// </summary>
internal static class IssuanceLoop
{
    internal static int Run(string[] args)
    {
        var seconds = IntOption(args, "--seconds", 10);
        var warmup = IntOption(args, "--warmup", 3);
        var csrCount = IntOption(args, "--csrs", 512);
        var cpu = IntOption(args, "--cpu", 0);
        var output = StringOption(args, "--out");

        // One core: the process (and so every thread the runtime starts later) may run on this CPU only.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            Process.GetCurrentProcess().ProcessorAffinity = (nint)(1L << cpu);
        }

        using var ca = new CaFixture();
        var csrs = Enumerable.Range(0, csrCount).Select(_ => CaFixture.NewCsr()).ToArray();
        var identity = CaFixture.Frontend;

        var next = 0;
        long Loop(TimeSpan duration)
        {
            long done = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                var outcome = ca.Issuer.IssueManually("bench", identity, csrs[next], 3600);
                next = (next + 1) % csrs.Length;
                if (outcome is not IssuanceOutcome.Issued issued)
                {
                    throw new InvalidOperationException($"CA refused a benchmark CSR: {outcome}");
                }

                issued.Leaf.Dispose();
                done++;
            }

            return done;
        }

        Loop(TimeSpan.FromSeconds(warmup));
        var perSecond = new List<double>();
        var gen0 = GC.CollectionCount(0);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        long issued = 0;
        for (var i = 0; i < seconds; i++)
        {
            var sw = Stopwatch.StartNew();
            var n = Loop(TimeSpan.FromSeconds(1));
            issued += n;
            perSecond.Add(n / sw.Elapsed.TotalSeconds);
        }

        var elapsed = total.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var sorted = perSecond.Order().ToArray();
        var median = sorted[sorted.Length / 2];
        var report = Report(seconds, warmup, csrCount, cpu, sorted, median, cpuUsed / elapsed, issued / cpuUsed.TotalSeconds, GC.CollectionCount(0) - gen0);
        Console.Write(report);
        if (output is not null)
        {
            File.WriteAllText(output, report);
            Console.WriteLine($"written: {output}");
        }

        return 0;
    }

    private static string Report(int seconds, int warmup, int csrs, int cpu, double[] sorted, double median, double cpuShare, double perCpuSecond, int gen0)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# CSR -> signed SVID, one core ({DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ})");
        sb.AppendLine();
        sb.AppendLine(inv, $"- issuances/s (median of {seconds} one-second windows): **{median:F0}** (min {sorted[0]:F0}, max {sorted[^1]:F0})");
        sb.AppendLine(inv, $"- per issuance at the median: {1e6 / median:F1} µs");
        sb.AppendLine(inv, $"- CPU of the process while measuring: {cpuShare:P0} of one core (pinned to CPU {cpu}); gen0 GCs: {gen0}");
        sb.AppendLine(inv, $"- issuances per CPU-second the process got: **{perCpuSecond:F0}** ({1e6 / perCpuSecond:F1} µs of CPU each; the fairer number when others share the core)");
        sb.AppendLine(inv, $"- path: `Issuer.IssueManually`, the authorized path (CSR parse and signature check, template, ECDSA P-256 sign, profile re-check), leaf disposed");
        sb.AppendLine(inv, $"- {csrs} distinct P-256 CSRs (as the agent makes them) round robin; {warmup} s warm-up");
        sb.AppendLine(inv, $"- machine: {Cpu()}, {Environment.ProcessorCount} CPUs, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {OpenSsl()}");
        sb.AppendLine(inv, $"- load average at the end: {Load()}");
        return sb.ToString();
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

    private static string OpenSsl()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("openssl", "version") { RedirectStandardOutput = true })!;
            var line = p.StandardOutput.ReadLine();
            p.WaitForExit(5000);
            return line ?? "openssl: no output";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "openssl: not found";
        }
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? StringOption(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
