using System.Buffers;
using System.Net.Sockets;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>
/// Delivers a stream's bytes to a socket (the app's or the workload's). Sends start inline from the read loop and
/// usually complete at once; only a full socket buffer makes later bytes queue. Credit goes back to the peer as
/// bytes are handed to the kernel, so a slow socket holds back only its own stream.
/// </summary>
internal sealed class SocketSink(Socket socket, MuxStream stream) : IMuxSink
{
    // Guards the queue and the flags; never held across I/O.
    private readonly Lock _lock = new();
    private readonly Queue<(byte[] Buffer, int Length)> _queue = new();
    private bool _sending;
    private bool _complete;
    private bool _aborted;
    // Its only waiter (TcpRelay) just closes the socket: run that inline rather than queue it to the thread pool.
    private readonly TaskCompletionSource _done = new();

    /// <summary>Completes when the peer's side has ended: delivered and half-closed, or aborted.</summary>
    public Task Done => _done.Task;

    public void Deliver(ReadOnlySpan<byte> data)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        lock (_lock)
        {
            if (_aborted)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return;
            }
            _queue.Enqueue((buffer, data.Length));
            if (_sending)
            {
                return;
            }
            _sending = true;
        }
        _ = SendQueuedAsync();
    }

    private async Task SendQueuedAsync()
    {
        while (true)
        {
            (byte[] Buffer, int Length) next;
            lock (_lock)
            {
                if (_aborted || _queue.Count == 0)
                {
                    _sending = false;
                    if (_complete && !_aborted)
                    {
                        ShutdownSend();
                    }
                    return;
                }
                next = _queue.Dequeue();
            }
            try
            {
                await socket.SendAsync(next.Buffer.AsMemory(0, next.Length), SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                ArrayPool<byte>.Shared.Return(next.Buffer);
                // The socket's reader went away: nobody will read the rest of this stream.
                stream.Reset();
                return;
            }
            ArrayPool<byte>.Shared.Return(next.Buffer);
            stream.Consumed(next.Length);
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            _complete = true;
            if (_sending)
            {
                return;
            }
        }
        ShutdownSend();
    }

    public void Abort(Exception reason)
    {
        lock (_lock)
        {
            _aborted = true;
            while (_queue.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
        // A reset stream resets the socket too, so the other end sees an error rather than a clean end.
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
        socket.Dispose();
        _done.TrySetResult();
    }

    private void ShutdownSend()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
        _done.TrySetResult();
    }
}
