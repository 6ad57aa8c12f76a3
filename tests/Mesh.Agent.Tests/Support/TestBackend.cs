using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Support;

/// <summary>A plain HTTP app on two loopback ports (one the mesh declares http, one tcp); it knows nothing about the mesh.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    public const string ItemsBody = """{"items":["apple","pear"]}""";

    private readonly WebApplication _app;
    private readonly ListenOptions _http;
    private readonly ListenOptions _tcp;

    private TestBackend(WebApplication app, ListenOptions http, ListenOptions tcp)
    {
        _app = app;
        _http = http;
        _tcp = tcp;
    }

    public int HttpPort => _http.IPEndPoint!.Port;
    public int TcpPort => _tcp.IPEndPoint!.Port;

    public static async Task<TestBackend> StartAsync()
    {
        ListenOptions? http = null, tcp = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, lo => http = lo);
            k.Listen(IPAddress.Loopback, 0, lo => tcp = lo);
        });
        var app = builder.Build();
        app.MapGet("/api/items", () => Results.Text(ItemsBody, "application/json"));
        app.MapGet("/api/admin/keys", () => Results.Text("secret", "text/plain"));
        // Echoes what the app saw, so tests can check what the mesh passed through.
        app.MapGet("/echo", (HttpContext c) => Results.Text($"host={c.Request.Host};mesh-destination={c.Request.Headers["mesh-destination"]}"));
        app.MapGet("/bytes/{count:int}", (int count) => Results.Bytes(new byte[count], "application/octet-stream"));
        app.MapPost("/upload", async (HttpContext c) =>
        {
            long n = 0;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await c.Request.Body.ReadAsync(buffer)) > 0)
            {
                n += read;
            }
            return Results.Text($"received {n}");
        });
        await app.StartAsync();
        return new TestBackend(app, http!, tcp!);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
