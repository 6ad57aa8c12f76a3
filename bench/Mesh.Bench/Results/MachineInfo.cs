using System.Runtime.InteropServices;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Results;

/// <summary>What the numbers were measured on, and with which versions.</summary>
internal sealed record MachineInfo(
    string CpuModel,
    int Cores,
    double MemoryGiB,
    string Kernel,
    string DotnetSdk,
    string DotnetRuntime,
    string OpenSsl,
    string Haproxy,
    string Nginx,
    string Wrk,
    string MeshCommit,
    bool MeshSourceModified)
{
    public static async Task<MachineInfo> CollectAsync(string repoRoot, CancellationToken ct)
    {
        var cpuinfo = File.ReadAllLines("/proc/cpuinfo");
        string Cpu(string key) => cpuinfo.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var memKiB = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];

        async Task<string> FirstLine(string tool, params string[] args)
        {
            var output = await Tool.RunAsync(tool, args, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            // nginx -v prints to stderr; wrk -v exits 1 after printing its version.
            return output.Combined.Split('\n').FirstOrDefault(l => l.Length > 0)?.Trim() ?? $"{tool}: no output";
        }

        var status = await Tool.RunAsync("git", ["-C", repoRoot, "status", "--porcelain", "--", "src", "Directory.Build.props", "Directory.Packages.props"], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        return new MachineInfo(
            $"{Cpu("model name")} (family {Cpu("cpu family")}, model {Cpu("model")})",
            Environment.ProcessorCount,
            Math.Round(long.Parse(memKiB, System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
            File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            await FirstLine("dotnet", "--version").ConfigureAwait(false),
            RuntimeInformation.FrameworkDescription,
            await FirstLine("openssl", "version").ConfigureAwait(false),
            await FirstLine("haproxy", "-v").ConfigureAwait(false),
            await FirstLine("nginx", "-v").ConfigureAwait(false),
            await FirstLine("wrk", "-v").ConfigureAwait(false),
            await FirstLine("git", "-C", repoRoot, "rev-parse", "--short=12", "HEAD").ConfigureAwait(false),
            status.ExitCode == 0 && status.StdOut.Trim().Length > 0);
    }
}
