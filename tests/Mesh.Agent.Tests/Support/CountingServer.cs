using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// A raw TCP workload that reads until the client half-closes, then answers with the number of bytes it got and
/// closes: it only works through the mesh if half-close (FIN) is carried end to end.
/// </summary>
public sealed class CountingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CountingServer()
    {
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await client.ReceiveAsync(buffer)) > 0)
            {
                total += n;
            }
            await client.SendAsync(Encoding.ASCII.GetBytes($"got {total} bytes"));
            client.Shutdown(SocketShutdown.Send);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
