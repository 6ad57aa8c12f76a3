using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// The connections to one peer key: usually one. A caller gets a connection that can take another stream; if none
/// can, one handshake starts and every concurrent caller waits for that same one. Closed connections drop out.
/// </summary>
internal sealed class PeerSlot : IAsyncDisposable
{
    // Guards the list and the pending connect; never held across I/O.
    private readonly Lock _lock = new();
    private readonly List<MuxConnection> _connections = [];
    private Task<MuxConnection>? _connecting;

    public async ValueTask<MuxConnection> GetAsync(Func<Task<MuxConnection>> connect, CancellationToken ct)
    {
        while (true)
        {
            Task<MuxConnection> pending;
            lock (_lock)
            {
                foreach (var c in _connections)
                {
                    if (c.CanOpenStreams)
                    {
                        return c;
                    }
                }
                // Started on the pool so that its cleanup (which takes this lock) never runs inside this block.
                _connecting ??= Task.Run(() => ConnectAndAddAsync(connect));
                pending = _connecting;
            }
            await pending.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<MuxConnection> ConnectAndAddAsync(Func<Task<MuxConnection>> connect)
    {
        try
        {
            var connection = await connect().ConfigureAwait(false);
            lock (_lock)
            {
                _connections.Add(connection);
            }
            _ = connection.Completion.ContinueWith(_ => { lock (_lock) { _connections.Remove(connection); } }, TaskScheduler.Default);
            return connection;
        }
        finally
        {
            lock (_lock)
            {
                _connecting = null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        MuxConnection[] all;
        lock (_lock)
        {
            all = [.. _connections];
            _connections.Clear();
        }
        foreach (var c in all)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }
    }
}
