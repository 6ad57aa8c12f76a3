using System.Buffers;
using System.Net.Sockets;

namespace Mesh.Agent.Net;

/// <summary>
/// Relays bytes between two connected sockets until both directions end, passing each half-close (FIN) on; then closes
/// both. Used where no tunnel is involved: plaintext accepted under PERMISSIVE, and destinations outside the mesh.
/// </summary>
internal static class SocketPipe
{
    private const int BufferSize = 16 * 1024;

    public static async Task RunAsync(Socket a, Socket b, CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(CopyAsync(a, b, ct), CopyAsync(b, a, ct)).ConfigureAwait(false);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static async Task CopyAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side reset or the agent is stopping: end both directions now.
            from.Dispose();
            to.Dispose();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
