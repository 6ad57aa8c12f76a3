using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Resilience;

/// <summary>
/// Several instances of one plain HTTP app, each on its own loopback address (127.0.0.2, .3, ...) and the same port,
/// answering with its name: <c>/name</c>, <c>/healthz</c> (503 when the test says so), <c>/slow</c> (held until released).
/// An instance can be stopped and started again on its address, as a crashed and restarted pod would be.
/// </summary>
public sealed class NamedBackends : IAsyncDisposable
{
    private readonly WebApplication?[] _apps;
    private readonly bool[] _unhealthy;
    private TaskCompletionSource _release = Released();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NamedBackends(int count, int port)
    {
        _apps = new WebApplication?[count];
        _unhealthy = new bool[count];
        Port = port;
    }

    public int Port { get; }
    public int Count => _apps.Length;

    public static IPAddress AddressOf(int index) => IPAddress.Parse($"127.0.0.{index + 2}");

    public static string NameOf(int index) => $"b{index + 1}";

    public static async Task<NamedBackends> CreateAsync(int count)
    {
        var port = Support.MeshFixture.FreePort();
        var backends = new NamedBackends(count, port);
        for (var i = 0; i < count; i++)
        {
            await backends.StartAsync(i);
        }
        return backends;
    }

    public async Task StartAsync(int index)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(AddressOf(index), Port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/healthz":
                    context.Response.StatusCode = Volatile.Read(ref _unhealthy[index]) ? 503 : 200;
                    break;
                case "/slow":
                    var release = Volatile.Read(ref _release).Task;
                    Volatile.Read(ref _arrived).TrySetResult();
                    await release.WaitAsync(TimeSpan.FromSeconds(30));
                    await context.Response.WriteAsync(NameOf(index));
                    break;
                default:
                    await context.Response.WriteAsync(NameOf(index));
                    break;
            }
        });
        await app.StartAsync();
        _apps[index] = app;
    }

    public async Task StopAsync(int index)
    {
        if (_apps[index] is { } app)
        {
            _apps[index] = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public void SetUnhealthy(int index, bool unhealthy) => Volatile.Write(ref _unhealthy[index], unhealthy);

    /// <summary>From now on /slow holds each request until <see cref="ReleaseSlow"/> (it answers at once otherwise).</summary>
    public void HoldSlow()
    {
        Volatile.Write(ref _arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _release, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Completes when a /slow request has reached an instance since <see cref="HoldSlow"/>.</summary>
    public Task SlowArrived => Volatile.Read(ref _arrived).Task;

    /// <summary>Answers every held /slow request, and the ones that come later, until the next <see cref="HoldSlow"/>.</summary>
    public void ReleaseSlow() => Volatile.Read(ref _release).TrySetResult();

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseSlow();
        for (var i = 0; i < _apps.Length; i++)
        {
            await StopAsync(i);
        }
    }
}
