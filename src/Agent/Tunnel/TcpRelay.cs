using System.Buffers;
using System.Net.Sockets;
using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// Carries one TCP connection over one mux stream: this side's socket is read into the stream here, and the
/// stream's bytes reach the socket through its <see cref="SocketSink"/>. Half-close travels as FIN both ways,
/// so protocols that shut down their sending side and then wait for the reply work unchanged.
/// </summary>
internal static class TcpRelay
{
    private const int ChunkSize = MuxFrame.MaxDataPayload;

    /// <summary>Runs until both directions have ended; the socket is closed when this returns.</summary>
    public static async Task RunAsync(Socket socket, MuxStream stream, SocketSink sink, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer.AsMemory(0, ChunkSize), SocketFlags.None, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    stream.Reset();
                    return;
                }
                if (n == 0)
                {
                    await stream.FinishAsync().ConfigureAwait(false);
                    break;
                }
                await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
            await sink.Done.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The stream was reset or the tunnel lost: the sink has closed the socket.
            stream.Reset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
        }
    }
}
