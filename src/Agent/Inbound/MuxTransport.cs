using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Mesh.Agent.Tunnel.Mux;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Agent.Inbound;

/// <summary>Which HTTP a handed-over connection speaks; each kind is its own in-memory Kestrel endpoint.</summary>
internal enum HttpKind
{
    Http1,

    /// <summary>HTTP/2 with prior knowledge (h2c): Kestrel does not sniff cleartext, so the agent does (<see cref="Net.HttpSniffer"/>).</summary>
    Http2,
}

/// <summary>An endpoint Kestrel "listens" on for HTTP connections the agent hands over (tunnel streams, captured sockets).</summary>
internal sealed class MuxEndPoint(HttpKind kind) : EndPoint
{
    public HttpKind Kind => kind;

    public override string ToString() => "mesh-mux-" + kind.ToString().ToLowerInvariant();
}

/// <summary>
/// A Kestrel transport whose connections are handed over by the agent: HTTP streams of the tunnel (so the serving
/// agent parses each request with Kestrel and authorizes it one by one) and app connections captured or accepted on
/// outbound HTTP listeners. One in-memory endpoint per <see cref="HttpKind"/>.
/// </summary>
internal sealed class MuxTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly Channel<ConnectionContext>[] _accepted =
    [
        Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true }),
        Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true }),
    ];
    private long _nextId;

    public bool CanBind(EndPoint endpoint) => endpoint is MuxEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new Listener(endpoint, _accepted[(int)((MuxEndPoint)endpoint).Kind]));

    /// <summary>Hands an accepted tunnel stream to Kestrel as a new connection.</summary>
    public bool TryAccept(MuxStreamAdapter stream, InboundStream info, HttpKind kind = HttpKind.Http1) =>
        TryAccept(stream, kind, items => InboundStream.Attach(items, info));

    /// <summary>
    /// Hands any accepted byte stream to Kestrel as a new connection (a captured app connection, plaintext accepted under
    /// PERMISSIVE); <paramref name="describe"/> attaches what the request handler needs to know about it.
    /// </summary>
    public bool TryAccept(Stream stream, HttpKind kind, Action<IDictionary<object, object?>> describe)
    {
        var connection = new MuxConnectionContext($"mux-{Interlocked.Increment(ref _nextId)}", stream);
        describe(connection.Items);
        return _accepted[(int)kind].Writer.TryWrite(connection);
    }

    private sealed class Listener(EndPoint endpoint, Channel<ConnectionContext> accepted) : IConnectionListener
    {
        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            accepted.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            accepted.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>One tunnel stream (or captured socket) as a Kestrel connection; closing it resets the stream.</summary>
internal sealed class MuxConnectionContext : ConnectionContext, IConnectionItemsFeature, IConnectionIdFeature, IConnectionLifetimeFeature
{
    private readonly Stream _stream;
    private readonly CancellationTokenSource _closed = new();

    public MuxConnectionContext(string id, Stream stream)
    {
        _stream = stream;
        ConnectionId = id;
        Transport = new DuplexPipe(
            PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
    }

    public override string ConnectionId { get; set; }
    public override IFeatureCollection Features { get; } = new FeatureCollection();
    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    public override IDuplexPipe Transport { get; set; }
    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set
        {
            // Kestrel only reads it; the token is ours.
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _stream.Dispose();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Aborted after it was disposed: nothing left to tell.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _closed.CancelAsync().ConfigureAwait(false);
        _closed.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
