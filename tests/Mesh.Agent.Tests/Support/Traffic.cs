using System.Net;

namespace Mesh.Agent.Tests.Support;

/// <summary>GET every 50 ms through the frontend agent, each on a fresh app connection, until stopped.</summary>
internal sealed class Traffic : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(int Ok, int Failed, string? First)> _loop;

    public Traffic(Uri url) => _loop = Task.Run(() => RunAsync(url));

    private async Task<(int, int, string?)> RunAsync(Uri url)
    {
        var (ok, failed) = (0, 0);
        string? first = null;
        // Bounded: at most 3000 requests (a few minutes) or until stopped.
        for (var i = 0; i < 3000 && !_stop.IsCancellationRequested; i++)
        {
            try
            {
                using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
                using var response = await client.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ok++;
                }
                else
                {
                    failed++;
                    first ??= $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                }
            }
            catch (HttpRequestException e)
            {
                failed++;
                first ??= e.Message;
            }
            await Task.Delay(50);
        }
        return (ok, failed, first);
    }

    public async Task<(int Ok, int Failed, string? First)> StopAsync()
    {
        await _stop.CancelAsync();
        return await _loop;
    }

    public void Dispose() => _stop.Dispose();
}
