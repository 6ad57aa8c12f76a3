using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Bench.Load;

/// <summary>What one wrk run reported. Percentiles are present only with --latency.</summary>
internal sealed record WrkOutput(
    double RequestsPerSecond,
    long Requests,
    double Seconds,
    long Non2xx,
    long ConnectErrors,
    long ReadErrors,
    long WriteErrors,
    long Timeouts,
    IReadOnlyDictionary<int, double> PercentilesMs)
{
    public long SocketErrors => ConnectErrors + ReadErrors + WriteErrors + Timeouts;

    /// <summary>Parses wrk 4.x's text output; null if it is not one (wrk failed before measuring).</summary>
    public static WrkOutput? Parse(string text)
    {
        var rps = Regex.Match(text, @"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline);
        var total = Regex.Match(text, @"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", RegexOptions.Multiline);
        if (!rps.Success || !total.Success)
        {
            return null;
        }
        var socket = Regex.Match(text, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        var non2xx = Regex.Match(text, @"Non-2xx or 3xx responses: (\d+)");
        var percentiles = new Dictionary<int, double>();
        foreach (Match m in Regex.Matches(text, @"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline))
        {
            percentiles[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = ToMs(m.Groups[2].Value, m.Groups[3].Value);
        }
        return new WrkOutput(
            Number(rps.Groups[1].Value),
            long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            ToMs(total.Groups[2].Value, total.Groups[3].Value) / 1000,
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            Group(socket, 1), Group(socket, 2), Group(socket, 3), Group(socket, 4),
            percentiles);
    }

    private static long Group(Match m, int i) => m.Success ? long.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double ToMs(string value, string unit) => Number(value) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new FormatException($"unknown wrk time unit '{unit}'"),
    };
}
