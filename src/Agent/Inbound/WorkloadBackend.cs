using System.Net;
using Mesh.Agent.Net;

namespace Mesh.Agent.Inbound;

/// <summary>
/// How the serving agent reaches a local workload: TCP sockets and an HTTP client whose connections are made by one
/// <see cref="SocketFactory"/>, in the agent's namespace or inside the pod's (where the workload's own address is local).
/// </summary>
internal sealed class WorkloadBackend : IDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public static WorkloadBackend Host { get; } = new(SocketFactory.Host);

    public WorkloadBackend(SocketFactory sockets)
    {
        Sockets = sockets;
        Http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectCallback = async (context, ct) =>
            {
                var to = new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port);
                var socket = await sockets.ConnectAsync(to, ConnectTimeout, ct).ConfigureAwait(false);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });
    }

    public SocketFactory Sockets { get; }

    public HttpMessageInvoker Http { get; }

    public void Dispose() => Http.Dispose();
}
