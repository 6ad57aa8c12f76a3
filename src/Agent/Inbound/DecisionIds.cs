namespace Mesh.Agent.Inbound;

/// <summary>
/// Decision ids: unique, roughly time-ordered, and cheap (no system call per id, unlike Guid.CreateVersion7, which
/// reads random bytes from the kernel each time). 32 hex digits: 48-bit Unix milliseconds, a 40-bit random value
/// drawn once per process (so ids from different agents do not collide), and a 40-bit counter.
/// </summary>
internal static class DecisionIds
{
    private static readonly long ProcessPart = Random.Shared.NextInt64(1L << 40);
    private static long _counter = Random.Shared.NextInt64(1L << 20);

    public static string Next(DateTimeOffset now)
    {
        var counter = Interlocked.Increment(ref _counter) & ((1L << 40) - 1);
        return string.Create(32, (Ms: now.ToUnixTimeMilliseconds() & ((1L << 48) - 1), counter), static (span, v) =>
        {
            v.Ms.TryFormat(span[..12], out _, "x12");
            ProcessPart.TryFormat(span.Slice(12, 10), out _, "x10");
            v.counter.TryFormat(span.Slice(22, 10), out _, "x10");
        });
    }
}
