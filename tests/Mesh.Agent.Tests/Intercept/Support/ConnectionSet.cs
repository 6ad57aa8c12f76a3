using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// The accept loop and open connections of a test server: each accepted socket is served on its own task, and
/// <see cref="CloseAllAsync"/> cancels and closes them all, so disposing a server leaves nothing running.
/// </summary>
internal sealed class ConnectionSet
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _open = new();

    /// <summary>Accepts until the listener is closed; serves each connection with <paramref name="serve"/>, then closes it.</summary>
    public async Task AcceptLoopAsync(Socket listener, Func<Socket, CancellationToken, Task> serve)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _open[client] = ServeOneAsync(client, serve);
        }
    }

    /// <summary>Cancels every connection, closes the sockets, and waits for the accept loop and the handlers to end.</summary>
    public async Task CloseAllAsync(Task acceptLoop)
    {
        await _stop.CancelAsync();
        await acceptLoop;
        foreach (var (socket, handler) in _open)
        {
            socket.Dispose();
            await handler;
        }
        _stop.Dispose();
    }

    private async Task ServeOneAsync(Socket client, Func<Socket, CancellationToken, Task> serve)
    {
        await Task.Yield();
        try
        {
            await serve(client, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, or the server is closing: either ends this connection only.
        }
        finally
        {
            client.Dispose();
            _open.TryRemove(client, out _);
        }
    }
}
