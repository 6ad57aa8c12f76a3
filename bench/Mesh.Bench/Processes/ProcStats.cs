using System.Globalization;

namespace Mesh.Bench.Processes;

/// <summary>
/// Reads /proc: CPU time and memory of a process and its descendants. /proc/PID/stat's utime and stime already
/// include every thread of the process; descendants (nginx workers) are found by their parent id and summed.
/// </summary>
internal static class ProcStats
{
    /// <summary>Clock ticks per second for /proc/PID/stat (sysconf(_SC_CLK_TCK)); 100 on every Linux we run on.</summary>
    public const double TicksPerSecond = 100.0;

    /// <summary>One process as /proc saw it; <see cref="StartTicks"/> tells a reused pid from the original.</summary>
    public readonly record struct ProcessId(int Pid, long StartTicks);

    /// <summary>The process and all its living descendants.</summary>
    public static IReadOnlyList<ProcessId> Tree(int rootPid)
    {
        var parents = new Dictionary<int, List<ProcessId>>();
        ProcessId? root = null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ReadStat(pid) is not { } stat)
            {
                continue;
            }
            if (pid == rootPid)
            {
                root = new ProcessId(pid, stat.StartTicks);
            }
            if (!parents.TryGetValue(stat.ParentPid, out var children))
            {
                parents[stat.ParentPid] = children = [];
            }
            children.Add(new ProcessId(pid, stat.StartTicks));
        }
        if (root is null)
        {
            return [];
        }
        var result = new List<ProcessId> { root.Value };
        for (var i = 0; i < result.Count; i++)
        {
            if (parents.TryGetValue(result[i].Pid, out var children))
            {
                result.AddRange(children);
            }
        }
        return result;
    }

    /// <summary>Whether this exact process (same pid and start time) is still alive.</summary>
    public static bool IsAlive(ProcessId id) => ReadStat(id.Pid) is { } stat && stat.StartTicks == id.StartTicks && stat.State != 'Z';

    /// <summary>utime + stime of the process tree, in seconds.</summary>
    public static double CpuSeconds(int rootPid) => Tree(rootPid).Sum(p => ReadStat(p.Pid)?.CpuTicks ?? 0) / TicksPerSecond;

    /// <summary>Sum over the tree of a "Vm*: N kB" line of /proc/PID/status, in MiB.</summary>
    public static double StatusMiB(int rootPid, string field) => Tree(rootPid).Sum(p => StatusKiB(p.Pid, field)) / 1024.0;

    /// <summary>System-wide busy CPU fraction over <paramref name="window"/> from /proc/stat (all cores).</summary>
    public static async Task<double> SystemBusyFractionAsync(TimeSpan window, CancellationToken ct)
    {
        var (busy0, total0) = SystemTicks();
        await Task.Delay(window, ct).ConfigureAwait(false);
        var (busy1, total1) = SystemTicks();
        return total1 > total0 ? (double)(busy1 - busy0) / (total1 - total0) : 0;
    }

    private static (long Busy, long Total) SystemTicks()
    {
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = values[3] + values[4];
        return (values.Sum() - idle, values.Sum());
    }

    private readonly record struct Stat(char State, int ParentPid, long CpuTicks, long StartTicks);

    private static Stat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ..." where comm may contain spaces and parentheses: split after the last ')'.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state); utime/stime are fields 14/15, starttime field 22.
        return new Stat(
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture),
            long.Parse(rest[19], CultureInfo.InvariantCulture));
    }

    private static long StatusKiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited between listing and reading: it holds no memory.
        }
        return 0;
    }
}
