using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mesh.Agent.Tests.Support;
using static Mesh.Agent.Tests.Health.HealthTestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.Agent.Tests.Health;

/// <summary>Against a real gRPC server (h2c on loopback) running the standard grpc.health.v1 service.</summary>
public sealed class GrpcHealthCheckTests : IAsyncLifetime
{
    private const string Service = "demo.Echo";

    private readonly HealthServiceImpl _health = new();
    private WebApplication _app = null!;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_health);
        _app = builder.Build();
        _app.MapGrpcService<HealthServiceImpl>();
        _health.SetStatus(Service, ServingStatus.Serving);
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Not_serving_takes_the_endpoint_out_of_balancing_and_serving_brings_it_back()
    {
        using var transport = new DirectProbeTransport();
        var upstream = Endpoint();
        await using var health = Checked(Fast(HealthCheckKind.Grpc) with { GrpcService = Service }, Port, PortProtocol.Grpc, transport, upstream);
        Assert.True(await EventuallyAsync(() => health.Counters.ActiveChecks >= 3), "no checks ran");
        Assert.True(upstream.ActiveHealthy);
        Assert.Equal(0, health.Counters.ActiveCheckFailures);

        _health.SetStatus(Service, ServingStatus.NotServing);
        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "NOT_SERVING kept the endpoint healthy");
        Assert.False(upstream.IsAvailable(DateTimeOffset.UtcNow));

        _health.SetStatus(Service, ServingStatus.Serving);
        Assert.True(await EventuallyAsync(() => upstream.ActiveHealthy), "SERVING did not bring the endpoint back");
        Assert.True(upstream.IsAvailable(DateTimeOffset.UtcNow));
    }

    [Theory]
    [InlineData(ServingStatus.Serving, true)]
    [InlineData(ServingStatus.NotServing, false)]
    [InlineData(ServingStatus.Unknown, false)]
    [InlineData(ServingStatus.ServiceUnknown, false)]
    public async Task Only_serving_passes(ServingStatus status, bool healthy)
    {
        _health.SetStatus(Service, status);
        using var transport = new DirectProbeTransport();
        using var timeout = new CancellationTokenSource(Patience);

        var result = await new GrpcProbe(transport, Port, Service).ProbeAsync(Endpoint(), timeout.Token);

        Assert.Equal(healthy, result.Healthy);
    }

    [Fact]
    public async Task A_service_the_server_does_not_know_fails_with_the_reason()
    {
        using var transport = new DirectProbeTransport();
        using var timeout = new CancellationTokenSource(Patience);

        var result = await new GrpcProbe(transport, Port, "no.such.Service").ProbeAsync(Endpoint(), timeout.Token);

        Assert.False(result.Healthy);
        Assert.Contains("NotFound", result.Detail);
    }

}
