using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Mesh.Agent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Health;

/// <summary>Shared pieces of the health tests: endpoints, a one-endpoint service, a bounded wait, a settable clock.</summary>
internal static class HealthTestSupport
{
    /// <summary>Long enough for loopback checks at 100 ms on a loaded CI machine; a bound, not a goal.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public static Upstream Endpoint(IPAddress? address = null, IPEndPoint? agent = null) =>
        new(new ServiceEndpoint(address ?? IPAddress.Loopback, agent ?? new IPEndPoint(IPAddress.Loopback, 1), MeshFixture.BackendId));

    /// <summary>Fast checks: every 100 ms, two results to change state either way.</summary>
    public static HealthCheckPolicy Fast(HealthCheckKind kind) => new()
    {
        Kind = kind,
        Interval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(2),
        HealthyThreshold = 2,
        UnhealthyThreshold = 2,
    };

    public static ServiceHealth Checked(HealthCheckPolicy check, int port, PortProtocol protocol, IProbeTransport transport, Upstream upstream)
    {
        var service = new RegisteredService("svc.test", [new ServicePort(80, port, protocol)], [upstream.Endpoint])
        {
            Policy = new ServicePolicy { HealthCheck = check },
        };
        var health = new ServiceHealth(service, transport, TimeProvider.System, NullLoggerFactory.Instance);
        health.Update([upstream]);
        return health;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="Patience"/> runs out; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(20);
        }
        return condition();
    }
}

/// <summary>A clock the test moves by hand (outlier detection only reads the time, it sets no timers).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
