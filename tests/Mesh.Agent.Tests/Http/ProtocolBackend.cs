using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Http;

/// <summary>
/// A workload that knows nothing about the mesh, with what the HTTP data plane must carry: a port speaking HTTP/1.1 and
/// h2c (headers echo, uploads and downloads of any size, a response held open halfway, a WebSocket echo), and a gRPC
/// port (h2c) with the standard grpc.health.v1 service, whose statuses the test sets.
/// </summary>
public sealed class ProtocolBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _http;
    private readonly ListenOptions _grpc;
    private readonly ListenOptions _h2;

    private ProtocolBackend(WebApplication app, ListenOptions http, ListenOptions h2, ListenOptions grpc, HealthServiceImpl health)
    {
        _app = app;
        _http = http;
        _h2 = h2;
        _grpc = grpc;
        Health = health;
    }

    /// <summary>The same app on two ports: the mesh declares this one http ...</summary>
    public int HttpPort => _http.IPEndPoint!.Port;

    /// <summary>... and this one http2: HTTP/2 only (h2c), as a workload on an http2 port speaks it.</summary>
    public int Http2Port => _h2.IPEndPoint!.Port;
    public int GrpcPort => _grpc.IPEndPoint!.Port;
    public HealthServiceImpl Health { get; }

    /// <summary>/slow has sent its first MiB and waits for <see cref="ReleaseSlow"/>.</summary>
    public TaskCompletionSource SlowStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseSlow() => _release.TrySetResult();

    public static async Task<ProtocolBackend> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        builder.Services.AddSingleton(health);
        ListenOptions? http = null, h2 = null, grpc = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, lo => { lo.Protocols = HttpProtocols.Http1AndHttp2; http = lo; });
            k.Listen(IPAddress.Loopback, 0, lo => { lo.Protocols = HttpProtocols.Http2; h2 = lo; });
            k.Listen(IPAddress.Loopback, 0, lo => { lo.Protocols = HttpProtocols.Http2; grpc = lo; });
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        ProtocolBackend? self = null;
        app.UseWebSockets();
        app.UseRouting();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGet("/headers", (HttpContext c) => Results.Json(new HeadersEcho(c.Request.Protocol,
            c.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()))));
        app.MapPost("/upload", async (HttpContext c) =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long length = 0;
            int n;
            while ((n = await c.Request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                length += n;
            }
            return Results.Text($"{length} {Convert.ToHexStringLower(sha.GetHashAndReset())}");
        });
        app.MapGet("/download", async (HttpContext c) =>
        {
            var mib = int.Parse(c.Request.Query["mib"]!, System.Globalization.CultureInfo.InvariantCulture);
            c.Response.ContentLength = (long)mib << 20;
            var block = Block();
            for (var i = 0; i < mib * 16; i++)
            {
                await c.Response.Body.WriteAsync(block);
            }
        });
        app.MapGet("/slow", async (HttpContext c) =>
        {
            var block = Block();
            for (var i = 0; i < 16; i++)
            {
                await c.Response.Body.WriteAsync(block);
            }
            await c.Response.Body.FlushAsync();
            self!.SlowStarted.TrySetResult();
            await self._release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await c.Response.WriteAsync("end");
        });
        app.Map("/ws", async (HttpContext c) =>
        {
            if (!c.WebSockets.IsWebSocketRequest)
            {
                c.Response.StatusCode = 400;
                return;
            }
            using var ws = await c.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, CancellationToken.None);
            }
        });
        await app.StartAsync();
        self = new ProtocolBackend(app, http!, h2!, grpc!, health);
        return self;
    }

    /// <summary>64 KiB of a fixed pattern, so downloads can be checked by hash.</summary>
    public static byte[] Block()
    {
        var block = new byte[64 * 1024];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = (byte)(i * 31 + 7);
        }
        return block;
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record HeadersEcho(string Protocol, Dictionary<string, string> Headers)
{
    public static HeadersEcho Parse(string json) => JsonSerializer.Deserialize<HeadersEcho>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
}
