using System.Buffers;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="MuxStream"/>, for code that speaks HTTP/1.1 over a stream: HttpClient on
/// the client agent (through ConnectCallback) and Kestrel on the serving agent (through the mux transport).
/// Incoming bytes are buffered here (at most the stream window) and credited back as the reader takes them.
/// </summary>
internal sealed class MuxStreamAdapter : Stream, IMuxSink
{
    // Guards the queue, the waiter and the end state; never held across I/O.
    private readonly Lock _lock = new();
    private readonly Queue<(byte[] Buffer, int Length)> _queue = new();
    private readonly MuxStream _stream;
    private int _offset;
    private TaskCompletionSource? _waiter;
    private bool _complete;
    private Exception? _error;
    private int _disposed;

    public MuxStreamAdapter(MuxStream stream)
    {
        _stream = stream;
        stream.Attach(this);
    }

    public MuxStream MuxStream => _stream;

    void IMuxSink.Deliver(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            // Nobody reads any more: drop, but give the credit back so the peer is not left waiting.
            _stream.Consumed(data.Length);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _queue.Enqueue((buffer, data.Length));
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }

    void IMuxSink.Complete() => End(null);

    void IMuxSink.Abort(Exception reason) => End(reason);

    private void End(Exception? error)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _complete = true;
            _error ??= error;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_queue.Count > 0)
                {
                    var copied = CopyOut(destination.Span);
                    _stream.Consumed(copied);
                    return copied;
                }
                if (_error is not null)
                {
                    throw new IOException("the tunnel stream was reset", _error);
                }
                if (_complete)
                {
                    return 0;
                }
                // Completed by the connection's read loop, which then runs the reader (Kestrel, HttpClient) inline until its
                // next wait: no thread-pool hop per read. The read loop holds no lock while it does.
                _waiter ??= new TaskCompletionSource();
                wait = _waiter.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int CopyOut(Span<byte> destination)
    {
        var copied = 0;
        while (destination.Length > copied && _queue.TryPeek(out var head))
        {
            var n = Math.Min(head.Length - _offset, destination.Length - copied);
            head.Buffer.AsSpan(_offset, n).CopyTo(destination[copied..]);
            copied += n;
            _offset += n;
            if (_offset == head.Length)
            {
                _queue.Dequeue();
                ArrayPool<byte>.Shared.Return(head.Buffer);
                _offset = 0;
            }
        }
        return copied;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        _stream.WriteAsync(source, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    // Every write is handed to the connection's writer at once; there is nothing to flush here.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Closing is a graceful end (FIN), like closing a socket: an HTTP/1.1 "Connection: close" response
            // ends this way. The stream is forgotten once the peer has finished too.
            _ = FinishQuietlyAsync();
            lock (_lock)
            {
                while (_queue.TryDequeue(out var item))
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }
            // A read still waiting (HttpClient disposes a connection to cancel a request whose response has not come)
            // must end now, not when the peer next sends something.
            End(new ObjectDisposedException(nameof(MuxStreamAdapter)));
        }
        base.Dispose(disposing);
    }

    private async Task FinishQuietlyAsync()
    {
        try
        {
            await _stream.FinishAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The stream or its connection is already gone.
        }
    }
}
