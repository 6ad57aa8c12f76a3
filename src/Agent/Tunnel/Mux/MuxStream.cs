using System.Buffers.Binary;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>Receives a stream's incoming bytes. Implementations copy and never block: they are called from the connection's read loop.</summary>
internal interface IMuxSink
{
    void Deliver(ReadOnlySpan<byte> data);

    /// <summary>The peer will send no more (FIN), after what was delivered.</summary>
    void Complete();

    /// <summary>The stream was reset or its connection lost.</summary>
    void Abort(Exception reason);
}

/// <summary>Why a stream was reset (the RESET frame's 4-byte payload).</summary>
internal enum ResetCode : uint
{
    ProtocolError = 1,
    FlowControlError = 2,
    Cancel = 3,
    Refused = 4,
}

/// <summary>
/// One logical connection inside a <see cref="MuxConnection"/>: credit-based flow control in each direction
/// (a stream may have at most <see cref="InitialWindow"/> unacknowledged bytes in flight, so one slow reader
/// cannot stall the others), half-close with FIN, abort with RESET.
/// </summary>
public sealed class MuxStream
{
    public const int InitialWindow = 256 * 1024;

    // Window updates are sent once this much has been consumed, to keep WINDOW frames rare.
    private const int CreditThreshold = InitialWindow / 4;

    // Guards the send window, the flags and the waiter; never held across I/O.
    private readonly Lock _lock = new();
    private readonly MuxConnection _connection;
    // Completed from the read loop; the opener continues inline (no lock is held there).
    private readonly TaskCompletionSource<OpenResult> _opened = new();
    private int _sendWindow = InitialWindow;
    private int _receiveWindow = InitialWindow;
    private int _unacknowledged;
    private TaskCompletionSource? _windowWaiter;
    private IMuxSink? _sink;
    private bool _finSent;
    private bool _finReceived;
    private Exception? _reset;

    internal MuxStream(MuxConnection connection, uint id)
    {
        _connection = connection;
        Id = id;
    }

    public uint Id { get; }
    public MuxConnection Connection => _connection;
    internal Task<OpenResult> Opened => _opened.Task;

    /// <summary>Where incoming bytes go; must be set before the stream is accepted (no DATA arrives before that).</summary>
    internal void Attach(IMuxSink sink) => _sink = sink;

    internal IMuxSink? Sink => _sink;

    /// <summary>Sends bytes, split into frames and paced by the peer's window.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        while (data.Length > 0)
        {
            var n = TakeWindow(Math.Min(data.Length, MuxFrame.MaxDataPayload), out var wait);
            if (n == 0)
            {
                await wait!.WaitAsync(ct).ConfigureAwait(false);
                continue;
            }
            await _connection.Writer.WriteAsync(FrameType.Data, Id, data.Span[..n]).ConfigureAwait(false);
            data = data[n..];
        }
    }

    private int TakeWindow(int wanted, out Task? wait)
    {
        lock (_lock)
        {
            if (_reset is not null)
            {
                throw new IOException("the stream was reset", _reset);
            }
            if (_finSent)
            {
                throw new InvalidOperationException("the stream's sending side is closed");
            }
            if (_sendWindow == 0)
            {
                _windowWaiter ??= new TaskCompletionSource();
                wait = _windowWaiter.Task;
                return 0;
            }
            wait = null;
            var n = Math.Min(wanted, _sendWindow);
            _sendWindow -= n;
            return n;
        }
    }

    /// <summary>Half-closes: the peer's reader sees end of stream after the bytes already sent.</summary>
    public async ValueTask FinishAsync()
    {
        bool closed;
        lock (_lock)
        {
            if (_finSent || _reset is not null)
            {
                return;
            }
            _finSent = true;
            closed = _finReceived;
        }
        await _connection.Writer.WriteAsync(FrameType.Fin, Id, default).ConfigureAwait(false);
        if (closed)
        {
            _connection.Remove(this);
        }
    }

    /// <summary>Aborts the stream in both directions and tells the peer.</summary>
    public void Reset()
    {
        if (MarkReset(new OperationCanceledException("the stream was reset locally")))
        {
            Span<byte> code = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(code, (uint)ResetCode.Cancel);
            try
            {
                _connection.Writer.Post(FrameType.Reset, Id, code);
            }
            catch (IOException)
            {
                // The connection is gone; the peer has lost the stream anyway.
            }
        }
    }

    /// <summary>The receiving side calls this as bytes leave its buffers, so the peer may send more.</summary>
    internal void Consumed(int bytes)
    {
        var pending = Interlocked.Add(ref _unacknowledged, bytes);
        if (pending >= CreditThreshold && Interlocked.CompareExchange(ref _unacknowledged, 0, pending) == pending)
        {
            Interlocked.Add(ref _receiveWindow, pending);
            Span<byte> increment = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(increment, (uint)pending);
            try
            {
                _connection.Writer.Post(FrameType.Window, Id, increment);
            }
            catch (IOException)
            {
                // Connection closed; nothing more will arrive.
            }
        }
    }

    internal void OnOpened(OpenResult result) => _opened.TrySetResult(result);

    internal void OnData(ReadOnlySpan<byte> data)
    {
        if (Interlocked.Add(ref _receiveWindow, -data.Length) < 0)
        {
            // The peer ignored our window: a broken or hostile peer; do not buffer without bound.
            ProtocolReset(ResetCode.FlowControlError, "peer sent more than its window");
            return;
        }
        if (_sink is null || _finReceived)
        {
            ProtocolReset(ResetCode.ProtocolError, "DATA on a stream that is not open for it");
            return;
        }
        _sink.Deliver(data);
    }

    internal void OnWindow(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4)
        {
            ProtocolReset(ResetCode.ProtocolError, "malformed WINDOW");
            return;
        }
        var increment = BinaryPrimitives.ReadUInt32BigEndian(payload);
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _sendWindow = (int)Math.Min((long)_sendWindow + increment, int.MaxValue);
            waiter = _windowWaiter;
            _windowWaiter = null;
        }
        waiter?.TrySetResult();
    }

    internal void OnFin()
    {
        bool closed;
        lock (_lock)
        {
            _finReceived = true;
            closed = _finSent;
        }
        // Forget the stream before completing the sink: the reader may continue inline and count streams.
        if (closed)
        {
            _connection.Remove(this);
        }
        _sink?.Complete();
    }

    internal void OnReset(Exception reason)
    {
        if (MarkReset(reason))
        {
            _opened.TrySetException(reason);
        }
    }

    private void ProtocolReset(ResetCode code, string reason)
    {
        if (MarkReset(new IOException(reason)))
        {
            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
            _connection.Writer.Post(FrameType.Reset, Id, payload);
        }
    }

    private bool MarkReset(Exception reason)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_reset is not null)
            {
                return false;
            }
            _reset = reason;
            waiter = _windowWaiter;
            _windowWaiter = null;
        }
        waiter?.TrySetException(new IOException("the stream was reset", reason));
        _opened.TrySetException(reason);
        _sink?.Abort(reason);
        _connection.Remove(this);
        return true;
    }
}
