using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Mesh.Agent.Tests.Support;
using static Mesh.Agent.Tests.Health.HealthTestSupport;

namespace Mesh.Agent.Tests.Health;

public sealed class TcpHealthCheckTests
{
    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task A_stopped_listener_turns_unhealthy_and_a_restarted_one_healthy_again()
    {
        var listener = Listen(0);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var transport = new DirectProbeTransport();
        var upstream = Endpoint();
        await using var health = Checked(Fast(HealthCheckKind.Tcp), port, PortProtocol.Tcp, transport, upstream);
        try
        {
            Assert.True(await EventuallyAsync(() => health.Counters.ActiveChecks >= 3), "no checks ran");
            Assert.True(upstream.ActiveHealthy);
            Assert.Equal(0, health.Counters.ActiveCheckFailures);

            listener.Stop();
            Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "a stopped listener stayed healthy");
            Assert.Equal(1, health.Counters.Unhealthy);
            Assert.Equal(1, health.Counters.UnhealthyTransitions);
            var failures = health.Counters.ActiveCheckFailures;
            Assert.True(failures >= 2, $"unhealthy after {failures} failures; the threshold is 2");

            listener = Listen(port);
            Assert.True(await EventuallyAsync(() => upstream.ActiveHealthy), "a restarted listener stayed unhealthy");
            Assert.Equal(0, health.Counters.Unhealthy);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_unhealthy_and_removing_the_endpoint_stops_its_checks()
    {
        var port = MeshFixture.FreePort();
        using var transport = new DirectProbeTransport();
        var upstream = Endpoint();
        await using var health = Checked(Fast(HealthCheckKind.Tcp), port, PortProtocol.Tcp, transport, upstream);

        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "a closed port was healthy");

        health.Update([]);
        // The loop may finish the probe it had started; after that nothing more is counted.
        await Task.Delay(300);
        var checks = health.Counters.ActiveChecks;
        await Task.Delay(500);
        Assert.Equal(checks, health.Counters.ActiveChecks);
    }
}
