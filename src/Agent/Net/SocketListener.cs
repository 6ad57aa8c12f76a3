using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Net;

/// <summary>
/// A plain TCP accept loop for the listeners that carry raw connections (the outbound TCP listeners and the inbound
/// mTLS listener): each accepted socket goes to the handler; stopping closes the listener and cancels the handlers.
/// </summary>
internal sealed partial class SocketListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handle;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private SocketListener(Socket listener, Func<Socket, CancellationToken, Task> handle, ILogger logger)
    {
        _listener = listener;
        _handle = handle;
        _logger = logger;
        _loop = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static SocketListener Start(IPEndPoint endpoint, Func<Socket, CancellationToken, Task> handle, ILogger logger)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(1024);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"cannot listen on {endpoint}: {e.Message}", e);
        }
        return new SocketListener(socket, handle, logger);
    }

    /// <summary>Runs the accept loop on a socket that is already listening (e.g. one made inside a pod's namespace).</summary>
    public static SocketListener Of(Socket listening, Func<Socket, CancellationToken, Task> handle, ILogger logger) =>
        new(listening, handle, logger);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Transient (e.g. the peer reset before accept, or out of descriptors): keep listening.
                LogAcceptFailed(_logger, LocalEndPoint.ToString(), e.Message);
                continue;
            }
            accepted.NoDelay = true;
            TcpKeepAlive.Enable(accepted);
            _ = RunHandlerAsync(accepted);
        }
    }

    private async Task RunHandlerAsync(Socket socket)
    {
        try
        {
            await _handle(socket, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler bug must not take the listener down; the connection is closed and the cause logged.
            LogHandlerFailed(_logger, LocalEndPoint.ToString(), e.ToString());
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Accept on {Listener} failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string listener, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Connection handler on {Listener} failed: {Error}")]
    private static partial void LogHandlerFailed(ILogger logger, string listener, string error);
}
