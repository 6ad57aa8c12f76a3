using System.Collections.Concurrent;

namespace Mesh.Bench.Processes;

/// <summary>
/// Every process the harness has started and not yet stopped. <see cref="StopAll"/> runs on the normal exit
/// path, on Ctrl+C / SIGTERM, and at process exit, so nothing outlives the harness.
/// </summary>
internal static class ProcessTracker
{
    private static readonly ConcurrentDictionary<int, ChildProcess> Running = new();

    public static void Add(ChildProcess child) => Running[child.Pid] = child;

    public static void Remove(ChildProcess child) => Running.TryRemove(child.Pid, out _);

    public static int Count => Running.Count;

    /// <summary>Stops every tracked process, each by its pid, in parallel.</summary>
    public static void StopAll()
    {
        var all = Running.Values.ToArray();
        Parallel.ForEach(all, child => child.Stop());
    }
}
