namespace Mesh.Agent.Tunnel;

/// <summary>
/// Copies bytes both ways between two byte streams until both directions end.
/// When one direction ends, its "end" action runs (a half-close where the transport has one), and the other
/// direction gets <see cref="Linger"/> to finish before the relay is torn down, so nothing idles forever.
/// </summary>
internal static class Relay
{
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);
    private const int BufferSize = 32 * 1024;

    public readonly record struct Direction(Stream From, Stream To, Func<ValueTask> End);

    /// <summary>Runs both directions; returns the bytes copied in each.</summary>
    public static async Task<(long FirstBytes, long SecondBytes)> RunAsync(Direction first, Direction second, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var a = PumpAsync(first, cts.Token);
        var b = PumpAsync(second, cts.Token);
        var done = await Task.WhenAny(a, b).ConfigureAwait(false);
        var other = done == a ? b : a;
        if (await Task.WhenAny(other, Task.Delay(Linger, ct)).ConfigureAwait(false) != other)
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
        return (await a.ConfigureAwait(false), await b.ConfigureAwait(false));
    }

    private static async Task<long> PumpAsync(Direction d, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            int n;
            while ((n = await d.From.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await d.To.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                await d.To.FlushAsync(ct).ConfigureAwait(false);
                total += n;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Http.HttpRequestException or InvalidOperationException)
        {
            // A reset or a closed peer ends this direction; the other side is told below.
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            try
            {
                await d.End().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closed.
            }
        }
        return total;
    }
}
