using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Inbound;
using Mesh.Agent.Net;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Intercept;

/// <summary>
/// One pod served in-pod: a thread inside the pod's network namespace makes the agent's sockets there, and three
/// listeners run in it: the outbound capture port, the inbound capture port (plaintext) and the tunnel port (mTLS
/// from peer agents). Disposing closes the listeners and every connection they carry, and leaves the namespace.
/// </summary>
internal sealed class PodServer : IAsyncDisposable
{
    private readonly NetnsWorker _worker;
    private readonly List<SocketListener> _listeners = [];

    private PodServer(LocalWorkload pod, NetnsWorker worker, SocketFactory sockets)
    {
        Pod = pod;
        _worker = worker;
        Sockets = sockets;
        Backend = new WorkloadBackend(sockets);
    }

    public LocalWorkload Pod { get; }

    /// <summary>Sockets made inside the pod with the agent's mark: tunnels leave from the pod's address, uncaptured.</summary>
    public SocketFactory Sockets { get; }

    /// <summary>How the agent reaches the pod's own ports: from inside the pod.</summary>
    public WorkloadBackend Backend { get; }

    public static async Task<PodServer> StartAsync(LocalWorkload pod, InterceptOptions options, PodTraffic traffic, ILogger logger)
    {
        var worker = NetnsWorker.Start(pod.Netns!);
        var server = new PodServer(pod, worker, SocketFactory.InNetns(worker, options.Mark));
        try
        {
            // Wildcard addresses: REDIRECT sends locally generated traffic to 127.0.0.1 and arriving traffic to the
            // interface's address; the tunnel port answers on whatever address the pod has.
            await server.ListenAsync(options.OutboundPort, (s, ct) => traffic.Outbound(s, server, ct), logger).ConfigureAwait(false);
            await server.ListenAsync(options.InboundPort, (s, ct) => traffic.Plaintext(s, server, ct), logger).ConfigureAwait(false);
            await server.ListenAsync(options.TunnelPort, (s, ct) => traffic.Tunnel(s, server, ct), logger).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ListenAsync(int port, Func<Socket, CancellationToken, Task> handle, ILogger logger)
    {
        Socket socket;
        try
        {
            socket = await Sockets.ListenAsync(new IPEndPoint(IPAddress.IPv6Any, port), 1024).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // No IPv6 in this pod (disabled by sysctl): IPv4 only.
            socket = await Sockets.ListenAsync(new IPEndPoint(IPAddress.Any, port), 1024).ConfigureAwait(false);
        }
        _listeners.Add(SocketListener.Of(socket, handle, logger));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        Backend.Dispose();
        _worker.Dispose();
    }
}

/// <summary>What the agent does with each kind of connection accepted inside a pod.</summary>
internal sealed record PodTraffic(
    Func<Socket, PodServer, CancellationToken, Task> Outbound,
    Func<Socket, PodServer, CancellationToken, Task> Plaintext,
    Func<Socket, PodServer, CancellationToken, Task> Tunnel);
