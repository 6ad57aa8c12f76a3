using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// A stand-in for the Kubernetes API server on 127.0.0.1 (Kestrel, a random port): serves a list response per
/// collection path and, for <c>?watch=true</c>, a stream of newline-delimited watch events the test pushes. The test can
/// abort the current watch connection (a dropped connection), and counts lists and watches per path.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _lists = new();
    private readonly ConcurrentDictionary<string, Channel<string?>> _watches = new();
    private readonly ConcurrentDictionary<string, int> _listCount = new();
    private readonly ConcurrentDictionary<string, int> _watchCount = new();

    private FakeKubeApiServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeKubeApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public void SetList(string path, string json) => _lists[path] = json;

    /// <summary>Queues an event for the current (or next) watch of <paramref name="path"/>.</summary>
    public void Push(string path, string type, string objectJson) =>
        Channel(path).Writer.TryWrite($"{{\"type\":\"{type}\",\"object\":{objectJson.ReplaceLineEndings(" ")}}}");

    /// <summary>Drops the current watch connection of <paramref name="path"/> without a clean end.</summary>
    public void Disconnect(string path) => Channel(path).Writer.TryWrite(null);

    public int Lists(string path) => _listCount.GetValueOrDefault(path);

    public int Watches(string path) => _watchCount.GetValueOrDefault(path);

    private Channel<string?> Channel(string path) => _watches.GetOrAdd(path, _ => System.Threading.Channels.Channel.CreateUnbounded<string?>());

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!_lists.TryGetValue(path, out var list))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = "application/json";
        if (context.Request.Query["watch"] != "true")
        {
            _listCount.AddOrUpdate(path, 1, (_, n) => n + 1);
            await context.Response.WriteAsync(list, context.RequestAborted);
            return;
        }
        _watchCount.AddOrUpdate(path, 1, (_, n) => n + 1);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            await foreach (var line in Channel(path).Reader.ReadAllAsync(context.RequestAborted))
            {
                if (line is null)
                {
                    context.Abort();
                    return;
                }
                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _watches.Values)
        {
            channel.Writer.TryComplete();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
