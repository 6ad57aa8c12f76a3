using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>
/// One mutually authenticated TLS connection between two agents, carrying many <see cref="MuxStream"/>s
/// (docs/protocol.md). The client agent opens streams (odd ids); the serving agent accepts them through
/// <see cref="OnOpen"/>. One read loop parses frames and hands each to its stream without waiting on any of them.
/// </summary>
public sealed class MuxConnection : IAsyncDisposable
{
    /// <summary>Streams one connection carries at most; the pool opens another connection beyond that.</summary>
    public const int MaxStreams = 1000;

    private const int ReadBufferSize = 128 * 1024;

    // The TLS stream in production; tests also run the protocol over a plain socket.
    private readonly Stream _tls;
    private readonly bool _isClient;
    private readonly ConcurrentDictionary<uint, MuxStream> _streams = new();
    private uint _nextStreamId;
    private Task _readLoop = Task.CompletedTask;
    private volatile bool _goingAway;
    private volatile bool _closed;

    public MuxConnection(Stream tls, bool isClient)
    {
        _tls = tls;
        _isClient = isClient;
        _nextStreamId = isClient ? 1u : 2u;
        Writer = new MuxWriter(tls);
    }

    internal MuxWriter Writer { get; }

    /// <summary>On the serving agent: called for each stream the peer opens; it must attach a sink and answer with <see cref="AcceptAsync"/> or <see cref="RefuseAsync"/>.</summary>
    internal Func<MuxStream, OpenRequest, Task>? OnOpen { get; init; }

    public int ActiveStreams => _streams.Count;
    public bool CanOpenStreams => !_closed && !_goingAway && _streams.Count < MaxStreams;
    public Task Completion => _readLoop;

    public void Start() => _readLoop = ReadLoopAsync();

    /// <summary>Opens a stream and waits for the peer's answer. A refused stream is returned with its result, already closed.</summary>
    internal async Task<(MuxStream Stream, OpenResult Result)> OpenAsync(OpenRequest request, Func<MuxStream, IMuxSink> createSink, CancellationToken ct)
    {
        if (!_isClient)
        {
            throw new InvalidOperationException("only the client side opens streams");
        }
        var id = Interlocked.Add(ref _nextStreamId, 2) - 2;
        var stream = new MuxStream(this, id);
        // The sink exists before the OPEN goes out: DATA may follow OPENED immediately.
        stream.Attach(createSink(stream));
        _streams[id] = stream;
        await Writer.WriteAsync(FrameType.Open, id, request.Encode()).ConfigureAwait(false);
        OpenResult result;
        try
        {
            result = await stream.Opened.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            stream.Reset();
            throw;
        }
        if (!result.Accepted)
        {
            Remove(stream);
        }
        return (stream, result);
    }

    /// <summary>Serving side: the stream is open; DATA may flow.</summary>
    internal ValueTask AcceptAsync(MuxStream stream, string decisionId) =>
        Writer.WriteAsync(FrameType.Opened, stream.Id, new OpenResult(OpenResult.Ok, decisionId).Encode());

    /// <summary>Serving side: the stream is refused with a status (403 for a DENY) and forgotten.</summary>
    internal ValueTask RefuseAsync(MuxStream stream, int status, string decisionId)
    {
        Remove(stream);
        return Writer.WriteAsync(FrameType.Opened, stream.Id, new OpenResult(status, decisionId).Encode());
    }

    internal void Remove(MuxStream stream) => _streams.TryRemove(stream.Id, out _);

    /// <summary>Tells the peer to open no more streams here; existing ones finish.</summary>
    public void GoAway()
    {
        _goingAway = true;
        try
        {
            Writer.Post(FrameType.GoAway, 0, default);
        }
        catch (IOException)
        {
            // Already closed.
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        var filled = 0;
        Exception reason = new IOException("the tunnel connection was closed by the peer");
        try
        {
            while (true)
            {
                var n = await _tls.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                filled += n;
                var consumed = ProcessFrames(buffer.AsSpan(0, filled));
                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
        {
            reason = e;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close(reason);
        }
    }

    /// <summary>Dispatches every complete frame in <paramref name="data"/>; returns how many bytes were used.</summary>
    private int ProcessFrames(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (data.Length - position >= MuxFrame.HeaderSize)
        {
            var (length, type, _, id) = MuxFrame.ReadHeader(data[position..]);
            if (length > MuxFrame.MaxPayload)
            {
                throw new IOException($"frame of {length} bytes exceeds the {MuxFrame.MaxPayload}-byte limit");
            }
            if (data.Length - position < MuxFrame.HeaderSize + length)
            {
                break;
            }
            Dispatch(type, id, data.Slice(position + MuxFrame.HeaderSize, length));
            position += MuxFrame.HeaderSize + length;
        }
        return position;
    }

    private void Dispatch(FrameType type, uint id, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case FrameType.Data:
                Find(id)?.OnData(payload);
                break;
            case FrameType.Window:
                Find(id)?.OnWindow(payload);
                break;
            case FrameType.Open:
                Opened(id, payload);
                break;
            case FrameType.Opened:
                if (_isClient && Find(id) is { } opening)
                {
                    if (OpenResult.TryDecode(payload, out var result))
                    {
                        opening.OnOpened(result);
                    }
                    else
                    {
                        opening.OnReset(new IOException("malformed OPENED"));
                    }
                }
                break;
            case FrameType.Fin:
                Find(id)?.OnFin();
                break;
            case FrameType.Reset:
                Find(id)?.OnReset(new IOException($"the peer reset the stream (code {(payload.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(payload) : 0)})"));
                break;
            case FrameType.GoAway:
                _goingAway = true;
                break;
            default:
                // Unknown frame types are ignored, so that later versions can add some.
                break;
        }
    }

    private MuxStream? Find(uint id) => _streams.GetValueOrDefault(id);

    private void Opened(uint id, ReadOnlySpan<byte> payload)
    {
        // Only clients open, with odd ids, each once, and not beyond the stream limit.
        if (_isClient || id % 2 == 0 || _streams.ContainsKey(id) || OnOpen is null)
        {
            throw new IOException($"unexpected OPEN for stream {id}");
        }
        var stream = new MuxStream(this, id);
        if (_streams.Count >= MaxStreams || _goingAway)
        {
            Writer.Post(FrameType.Opened, id, new OpenResult(OpenResult.Unavailable, "").Encode());
            return;
        }
        if (!OpenRequest.TryDecode(payload, out var request, out _))
        {
            Writer.Post(FrameType.Opened, id, new OpenResult(OpenResult.BadRequest, "").Encode());
            return;
        }
        _streams[id] = stream;
        _ = OnOpen(stream, request);
    }

    private void Close(Exception reason)
    {
        _closed = true;
        Writer.Fail(reason);
        foreach (var stream in _streams.Values)
        {
            stream.OnReset(reason);
        }
        _streams.Clear();
        _tls.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        await _tls.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Closing is what we asked for.
        }
    }
}
