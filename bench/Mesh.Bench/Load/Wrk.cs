using System.Globalization;
using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Load;

/// <summary>Runs wrk against 127.0.0.1 only, bounded by its -d and a hard time limit, and parses what it printed.</summary>
internal static class Wrk
{
    public sealed record Run(string CommandLine, WrkOutput? Output, string? Error);

    public static async Task<Run> RunAsync(int port, string path, int threads, int connections, int seconds, bool latency, bool closeEachConnection, CancellationToken ct)
    {
        var args = new List<string>
        {
            "-t", threads.ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", seconds.ToString(CultureInfo.InvariantCulture) + "s",
        };
        if (latency)
        {
            args.Add("--latency");
        }
        if (closeEachConnection)
        {
            args.AddRange(["-H", "Connection: close"]);
        }
        args.Add($"http://{Ports.Host}:{port}{path}");
        var commandLine = "wrk " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        var result = await Tool.RunAsync("wrk", args, TimeSpan.FromSeconds(seconds + 20), ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return new Run(commandLine, null, $"wrk exited {result.ExitCode}: {Shorten(result.Combined)}");
        }
        var output = WrkOutput.Parse(result.StdOut);
        return output is null
            ? new Run(commandLine, null, $"cannot parse wrk's output: {Shorten(result.Combined)}")
            : new Run(commandLine, output, null);
    }

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "...";
}
