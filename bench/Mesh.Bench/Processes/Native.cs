using System.Runtime.InteropServices;

namespace Mesh.Bench.Processes;

/// <summary>The few libc calls .NET has no API for: a polite signal, and a sleep to an absolute monotonic time.</summary>
internal static partial class Native
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    private const int ClockMonotonic = 1;
    private const int TimerAbsTime = 1;
    private const int PrSetTimerSlack = 29;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>Sends <paramref name="signal"/> to exactly one process id; false if it no longer exists.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    /// <summary>
    /// Sleeps until <paramref name="stopwatchTimestamp"/>. On Linux <see cref="System.Diagnostics.Stopwatch"/>
    /// counts nanoseconds of CLOCK_MONOTONIC, so the timestamp is the absolute deadline itself; Thread.Sleep
    /// would round to whole milliseconds.
    /// </summary>
    public static void SleepUntil(long stopwatchTimestamp)
    {
        var deadline = new Timespec { Seconds = stopwatchTimestamp / 1_000_000_000L, Nanoseconds = stopwatchTimestamp % 1_000_000_000L };
        while (ClockNanosleep(ClockMonotonic, TimerAbsTime, in deadline, IntPtr.Zero) == 4)
        {
            // EINTR: a signal woke us early; the deadline is absolute, so just sleep again.
        }
    }

    /// <summary>Default timer slack is 50 us; the fixed-rate generator wants its wake-ups on time.</summary>
    public static void TightenTimerSlackForThisThread() => _ = Prctl(PrSetTimerSlack, 1, 0, 0, 0);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in Timespec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
