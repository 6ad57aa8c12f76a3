using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Mesh.Agent.Tests.Health.HealthTestSupport;

namespace Mesh.Agent.Tests.Health;

public sealed class HttpHealthCheckTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private volatile int _status = 200;
    private int _hits;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/healthz", (HttpContext c) =>
        {
            Interlocked.Increment(ref _hits);
            return c.Request.Headers.UserAgent == HttpProbe.UserAgent ? Results.StatusCode(_status) : Results.StatusCode(400);
        });
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static HealthCheckPolicy Policy(params int[] expected) => Fast(HealthCheckKind.Http) with { Path = "/healthz", ExpectedStatuses = expected };

    [Fact]
    public async Task A_503_turns_the_endpoint_unhealthy_and_200_healthy_again()
    {
        using var transport = new DirectProbeTransport();
        var upstream = Endpoint();
        await using var health = Checked(Policy(), Port, PortProtocol.Http, transport, upstream);
        Assert.True(await EventuallyAsync(() => health.Counters.ActiveChecks >= 3), "no checks ran");
        Assert.True(upstream.ActiveHealthy);
        Assert.Equal(0, health.Counters.ActiveCheckFailures);
        Assert.True(Volatile.Read(ref _hits) >= 3, "the checks did not reach the server");

        _status = 503;
        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "503 kept the endpoint healthy");

        _status = 200;
        Assert.True(await EventuallyAsync(() => upstream.ActiveHealthy), "200 did not bring the endpoint back");
    }

    [Fact]
    public async Task Expected_statuses_replace_the_2xx_default()
    {
        using var transport = new DirectProbeTransport();
        var upstream = Endpoint();
        await using var health = Checked(Policy(204), Port, PortProtocol.Http, transport, upstream);

        // 200 is not 204.
        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "200 passed a check that expects 204");

        _status = 204;
        Assert.True(await EventuallyAsync(() => upstream.ActiveHealthy), "204 did not pass a check that expects it");
    }

    [Theory]
    [InlineData(new int[0], 200, true)]
    [InlineData(new int[0], 299, true)]
    [InlineData(new int[0], 301, false)]
    [InlineData(new int[0], 503, false)]
    [InlineData(new[] { 204 }, 204, true)]
    [InlineData(new[] { 204 }, 200, false)]
    [InlineData(new[] { 200, 429 }, 429, true)]
    public void Expected_status_table(int[] expected, int status, bool healthy)
    {
        using var transport = new DirectProbeTransport();
        Assert.Equal(healthy, new HttpProbe(transport, 1, "/", expected).IsExpected(status));
    }
}
