using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Net;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.Tests.WorkloadApi;

namespace Mesh.Agent.Tests.Net;

/// <summary>
/// Sockets made by <see cref="SocketFactory.InNetns"/> live in the pod's namespace (its loopback, not the host's) and
/// carry the agent's mark. Real namespaces, created and deleted by the test; skipped when not root.
/// </summary>
public sealed class NetnsWorkerTests
{
    [SkippableFact]
    public async Task A_listener_made_by_the_worker_is_in_the_namespace_and_its_sockets_carry_the_mark()
    {
        var why = TestNetns.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var ns = await TestNetns.CreateAsync("mesh-test-" + Guid.NewGuid().ToString("n")[..8]);
        var up = await ExternalTool.RunAsync("ip", ["-n", ns.Name, "link", "set", "lo", "up"]);
        Assert.True(up.ExitCode == 0, up.ToString());
        using var worker = NetnsWorker.Start(ns.Path);
        var sockets = SocketFactory.InNetns(worker, 0x539);

        using var listener = await sockets.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 16);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        // From inside the namespace the listener answers ...
        using var inside = await sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), TimeSpan.FromSeconds(5), CancellationToken.None);
        using var accepted = await listener.AcceptAsync();
        Assert.Equal(0x539u, SocketMark.Get(inside));
        // ... from the host's namespace the same address and port is someone else's loopback: nothing listens there.
        using var host = await SocketFactory.Host.CreateAsync(AddressFamily.InterNetwork);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await host.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(0u, SocketMark.Get(host));
    }

    [SkippableFact]
    public void A_namespace_that_does_not_exist_is_a_clear_error()
    {
        var why = TestNetns.WhyUnavailable();
        Skip.If(why is not null, why);

        var e = Assert.Throws<IOException>(() => NetnsWorker.Start("/var/run/netns/mesh-test-absent-" + Guid.NewGuid().ToString("n")[..8]));

        Assert.Contains("cannot open network namespace /var/run/netns/mesh-test-absent-", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Work_after_dispose_fails_instead_of_hanging()
    {
        var why = TestNetns.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var ns = await TestNetns.CreateAsync("mesh-test-" + Guid.NewGuid().ToString("n")[..8]);
        var worker = NetnsWorker.Start(ns.Path);
        worker.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.RunAsync(() => 1));
    }
}
