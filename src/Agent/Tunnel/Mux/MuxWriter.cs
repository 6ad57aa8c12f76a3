namespace Mesh.Agent.Tunnel.Mux;

/// <summary>
/// Serializes frames from many streams onto one TLS stream, and batches them: a writer appends its frame to a shared
/// buffer; if no flush is running it becomes the flusher and writes everything appended so far, including what other
/// streams add meanwhile, in as few TLS writes as there are rounds. Under load many frames share one record and one
/// system call; with one stream it costs no more than a direct write and no thread hop.
/// </summary>
internal sealed class MuxWriter(Stream transport)
{
    /// <summary>Buffered bytes above which appending writers wait for the flush (backpressure to the app sockets).</summary>
    private const int HighWater = 1024 * 1024;

    // Guards the buffers and the flags below; never held across I/O.
    private readonly Lock _lock = new();
    private byte[] _pending = new byte[64 * 1024];
    private byte[] _writing = new byte[64 * 1024];
    private int _pendingLength;
    private bool _flushing;
    private Exception? _failure;
    private TaskCompletionSource? _belowHighWater;

    /// <summary>Appends a frame and waits only if this call must flush or the buffer is over its high-water mark.</summary>
    public ValueTask WriteAsync(FrameType type, uint streamId, ReadOnlySpan<byte> payload, byte flags = 0)
    {
        Task? wait = null;
        lock (_lock)
        {
            Append(type, streamId, payload, flags);
            if (_flushing)
            {
                if (_pendingLength <= HighWater)
                {
                    return ValueTask.CompletedTask;
                }
                _belowHighWater ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _belowHighWater.Task;
            }
            else
            {
                _flushing = true;
            }
        }
        return wait is null ? FlushAsync() : new ValueTask(wait);
    }

    /// <summary>
    /// Appends a frame without ever waiting, for the connection's read loop (window updates, replies): a read loop that
    /// waited on writes could deadlock with a peer doing the same. A needed flush runs on the thread pool.
    /// </summary>
    public void Post(FrameType type, uint streamId, ReadOnlySpan<byte> payload, byte flags = 0)
    {
        lock (_lock)
        {
            Append(type, streamId, payload, flags);
            if (_flushing)
            {
                return;
            }
            _flushing = true;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await FlushAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Recorded in _failure; the read loop sees the connection end.
            }
        });
    }

    private void Append(FrameType type, uint streamId, ReadOnlySpan<byte> payload, byte flags)
    {
        if (_failure is not null)
        {
            throw new IOException("the tunnel connection is closed", _failure);
        }
        var needed = _pendingLength + MuxFrame.HeaderSize + payload.Length;
        if (needed > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(needed, _pending.Length * 2));
        }
        MuxFrame.WriteHeader(_pending.AsSpan(_pendingLength), payload.Length, type, streamId, flags);
        payload.CopyTo(_pending.AsSpan(_pendingLength + MuxFrame.HeaderSize));
        _pendingLength = needed;
    }

    private async ValueTask FlushAsync()
    {
        while (true)
        {
            int length;
            TaskCompletionSource? release = null;
            lock (_lock)
            {
                if (_pendingLength == 0 || _failure is not null)
                {
                    _flushing = false;
                    release = _belowHighWater;
                    _belowHighWater = null;
                    release?.TrySetResult();
                    if (_failure is not null)
                    {
                        throw new IOException("the tunnel connection is closed", _failure);
                    }
                    return;
                }
                (_pending, _writing) = (_writing, _pending);
                length = _pendingLength;
                _pendingLength = 0;
                release = _belowHighWater;
                _belowHighWater = null;
            }
            release?.TrySetResult();
            try
            {
                await transport.WriteAsync(_writing.AsMemory(0, length)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(e);
                throw new IOException("the tunnel connection is closed", e);
            }
            if (_writing.Length > 1024 * 1024)
            {
                // A burst grew the buffer; do not keep megabytes per idle connection.
                _writing = new byte[64 * 1024];
            }
        }
    }

    /// <summary>Marks the writer failed: every later write throws, and waiters are released.</summary>
    public void Fail(Exception reason)
    {
        TaskCompletionSource? release;
        lock (_lock)
        {
            _failure ??= reason;
            _flushing = false;
            release = _belowHighWater;
            _belowHighWater = null;
        }
        release?.TrySetException(new IOException("the tunnel connection is closed", reason));
    }
}
