using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Redirect;
using Mesh.Agent.Tests.WorkloadApi;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>
/// Real connections in a namespace with the rules installed: a connection to an address nobody serves reaches the
/// agent's outbound listener with its original destination intact, and the agent's own (marked) sockets are let through.
/// </summary>
public sealed class RedirectTrafficTests
{
    private const int SolSocket = 1; // asm-generic/socket.h (SocketOptionLevel.Socket is the Windows value)
    private const int SoMark = 36;
    private static readonly IPEndPoint Unserved = new(IPAddress.Parse("198.18.5.5"), 8080);

    [SkippableFact]
    public async Task A_connection_to_any_address_lands_on_the_outbound_listener_with_its_original_destination()
    {
        var why = await RedirectNetns.WhyUnavailableAsync("");
        Skip.If(why is not null, why);
        await using var ns = await PodAsync();
        using var listener = NetnsThread.Run(ns.Path, () => Listen(RedirectOptions.DefaultOutboundPort));
        using var client = NetnsThread.Run(ns.Path, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await client.ConnectAsync(Unserved, timeout.Token);
        using var accepted = await listener.AcceptAsync(timeout.Token);

        Assert.Equal(Unserved, OriginalDestination.Get(accepted));
        Assert.Equal(client.LocalEndPoint, accepted.RemoteEndPoint);
    }

    [SkippableFact]
    public async Task A_socket_with_the_agents_mark_is_not_redirected()
    {
        var why = await RedirectNetns.WhyUnavailableAsync("");
        Skip.If(why is not null, why);
        await using var ns = await PodAsync();
        using var listener = NetnsThread.Run(ns.Path, () => Listen(RedirectOptions.DefaultOutboundPort));
        using var marked = NetnsThread.Run(ns.Path, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes((int)RedirectOptions.DefaultMark));
            return s;
        });

        // Unredirected, the SYN goes out of the veth where nobody answers: the connect cannot complete in time.
        using var shortWait = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await marked.ConnectAsync(Unserved, shortWait.Token));

        Assert.False(listener.Poll(TimeSpan.Zero, SelectMode.SelectRead), "the marked connection reached the outbound listener");
    }

    [SkippableFact]
    public async Task A_direct_connection_to_the_listener_reports_that_it_was_not_redirected()
    {
        var why = await RedirectNetns.WhyUnavailableAsync("");
        Skip.If(why is not null, why);
        await using var ns = await PodAsync();
        using var listener = NetnsThread.Run(ns.Path, () => Listen(RedirectOptions.DefaultOutboundPort));
        using var client = NetnsThread.Run(ns.Path, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, RedirectOptions.DefaultOutboundPort), timeout.Token);
        using var accepted = await listener.AcceptAsync(timeout.Token);

        var e = Assert.Throws<RedirectException>(() => OriginalDestination.Get(accepted));
        Assert.Contains("not redirected", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A namespace like a pod's: lo up, a veth with 198.18.0.1/15 (so 198.18.5.5 has a route), rules installed.</summary>
    private static async Task<TestNetns> PodAsync()
    {
        var ns = await RedirectNetns.CreateAsync();
        try
        {
            await RedirectNetns.RunAsync(ns, "ip", "link", "set", "lo", "up");
            await RedirectNetns.RunAsync(ns, "ip", "link", "add", "mesh0", "type", "veth", "peer", "name", "mesh1");
            await RedirectNetns.RunAsync(ns, "ip", "addr", "add", "198.18.0.1/15", "dev", "mesh0");
            await RedirectNetns.RunAsync(ns, "ip", "link", "set", "mesh0", "up");
            await RedirectNetns.RunAsync(ns, "ip", "link", "set", "mesh1", "up");
            await new RedirectInstaller(new CommandRunner(ns.Name)).InstallAsync(new RedirectOptions());
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    private static Socket Listen(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Any, port));
        s.Listen(16);
        return s;
    }
}
