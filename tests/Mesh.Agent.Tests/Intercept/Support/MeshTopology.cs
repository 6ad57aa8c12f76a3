using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.Tests.WorkloadApi;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// Two mesh nodes with their pods, plus a host outside the mesh, as six Linux network namespaces wired with veths (see
/// <see cref="TopologyPlan"/> for the picture). Every namespace name starts with a random prefix, so parallel tests
/// never collide; only 198.18.0.0/15 addresses inside these namespaces are used, and the host's own interfaces,
/// routes and firewall are never touched.
/// </summary>
/// <remarks>
/// Dispose it (<c>await using</c>): that stops the captures it started, kills any process still inside its namespaces
/// and deletes the namespaces, which removes their veths. Dispose servers and sockets made in the namespaces first
/// (declare them after the topology): an open socket keeps its namespace alive after the name is gone.
/// </remarks>
/// <example>
/// <code>
/// var why = MeshTopology.WhyCaptureUnavailable();
/// Skip.If(why is not null, why);
/// await using var topology = await MeshTopology.CreateAsync();
/// await using var server = NetnsHttpServer.Start(topology.PodC, 8080, "hello from pod-c\n");
/// var capture = await topology.StartCaptureAsync(topology.Node1, topology.NodeLinkInterface);
/// var result = await topology.CurlAsync(topology.PodA, $"http://{topology.PodC.Address}:8080/");
/// var traffic = await capture.StopAsync();
/// Assert.Equal(topology.PodA.Address, server.Requests.Single().Remote.Address);
/// Assert.False(traffic.ContainsAscii("hello from pod-c"), traffic.ToString());
/// </code>
/// </example>
internal sealed class MeshTopology : IAsyncDisposable
{
    /// <summary>The limit on every command run by the harness; curl's own limit is shorter.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private readonly TopologyPlan _plan;
    private readonly List<PacketCapture> _captures = [];
    private int _disposed;

    private MeshTopology(TopologyPlan plan) => _plan = plan;

    /// <summary>The random prefix of every namespace name (<c>mt</c> and 6 hex digits).</summary>
    public string Prefix { get; private init; } = "";

    /// <summary>The first node's host namespace: router for <see cref="PodA"/> and <see cref="PodB"/>.</summary>
    public TopologyNetns Node1 => _plan.Node1;

    /// <summary>The second node's host namespace: router for <see cref="PodC"/> and <see cref="Outside"/>.</summary>
    public TopologyNetns Node2 => _plan.Node2;

    /// <summary>A pod on Node1, 198.18.1.2 (gateway 198.18.1.1).</summary>
    public TopologyNetns PodA => _plan.PodA;

    /// <summary>A second pod on Node1, 198.18.1.6 (gateway 198.18.1.5).</summary>
    public TopologyNetns PodB => _plan.PodB;

    /// <summary>A pod on Node2, 198.18.2.2 (gateway 198.18.2.1).</summary>
    public TopologyNetns PodC => _plan.PodC;

    /// <summary>A host outside the mesh behind Node2, 198.18.3.2 (gateway 198.18.3.1).</summary>
    public TopologyNetns Outside => _plan.Outside;

    /// <summary>All six namespaces, nodes first.</summary>
    public IReadOnlyList<TopologyNetns> Namespaces => _plan.All;

    /// <summary>
    /// The interface in <see cref="Node1"/> that carries all traffic between the nodes: capture there
    /// (<c>StartCaptureAsync(topology.Node1, topology.NodeLinkInterface)</c>) to see what crosses the network.
    /// </summary>
    public string NodeLinkInterface => TopologyPlan.NodeLinkInterface;

    /// <summary>Null, with the reason, when the topology cannot be built here (not root, or no ip).</summary>
    public static string? WhyUnavailable() => TestNetns.WhyUnavailable();

    /// <summary>Null, with the reason, when the topology or a packet capture cannot be made here (adds: no tcpdump).</summary>
    public static string? WhyCaptureUnavailable() => WhyUnavailable() ?? PacketCapture.WhyUnavailable();

    /// <summary>
    /// Builds the topology. If any step fails, everything made so far is deleted and the exception names the
    /// command and what it printed.
    /// </summary>
    public static async Task<MeshTopology> CreateAsync()
    {
        var prefix = "mt" + RandomNumberGenerator.GetHexString(6, lowercase: true);
        var topology = new MeshTopology(new TopologyPlan(prefix)) { Prefix = prefix };
        try
        {
            foreach (var ns in topology.Namespaces)
            {
                await topology.IpAsync(["netns", "add", ns.Name]);
            }
            foreach (var command in topology._plan.Commands)
            {
                await topology.IpAsync(command);
            }
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>ip netns exec NS command...</c> with <see cref="CommandTimeout"/>; a timed-out command is killed.</summary>
    public Task<ExternalTool.Result> ExecAsync(TopologyNetns ns, params string[] command) =>
        ExternalTool.RunAsync("ip", ["netns", "exec", ns.Name, .. command], timeout: CommandTimeout);

    /// <summary>
    /// curl run inside <paramref name="from"/>: <c>curl -sS --max-time 5 EXTRA... URL</c>. The body is on StdOut;
    /// add <c>-w</c> arguments for status codes and the like.
    /// </summary>
    public Task<ExternalTool.Result> CurlAsync(TopologyNetns from, string url, params string[] extraArgs) =>
        ExecAsync(from, ["curl", "-sS", "--max-time", "5", .. extraArgs, url]);

    /// <summary>
    /// A TCP connection opened from inside <paramref name="from"/> to <paramref name="to"/>, for long-lived connection
    /// tests. Fails after 10 s (or when <paramref name="cancellationToken"/> fires). The caller disposes the socket.
    /// </summary>
    public async Task<Socket> ConnectFromAsync(TopologyNetns from, IPEndPoint to, CancellationToken cancellationToken = default)
    {
        var socket = NetnsSockets.NewTcpSocket(from);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(to, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts tcpdump on <paramref name="iface"/> inside <paramref name="ns"/> (TCP only) and returns once it is
    /// capturing. Stop it with <see cref="PacketCapture.StopAsync"/> to get the segments; the topology stops any
    /// capture still running when it is disposed.
    /// </summary>
    public async Task<PacketCapture> StartCaptureAsync(TopologyNetns ns, string iface)
    {
        var capture = await PacketCapture.StartAsync(ns, iface);
        lock (_captures)
        {
            _captures.Add(capture);
        }
        return capture;
    }

    /// <summary>Stops captures, kills what still runs in the namespaces and deletes them. Safe to call twice; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        PacketCapture[] captures;
        lock (_captures)
        {
            captures = [.. _captures];
        }
        foreach (var capture in captures)
        {
            await capture.DisposeAsync();
        }
        foreach (var ns in Namespaces)
        {
            await KillProcessesInAsync(ns);
            await ExternalTool.RunAsync("ip", ["netns", "delete", ns.Name], timeout: CommandTimeout);
        }
    }

    /// <summary>Processes left inside a namespace (a tool that outlived its test) would keep it alive after deletion.</summary>
    private static async Task KillProcessesInAsync(TopologyNetns ns)
    {
        var pids = await ExternalTool.RunAsync("ip", ["netns", "pids", ns.Name], timeout: CommandTimeout);
        foreach (var line in pids.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, out var pid))
            {
                continue;
            }
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    private async Task IpAsync(string[] args)
    {
        var result = await ExternalTool.RunAsync("ip", args, timeout: CommandTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"topology {Prefix}: ip {string.Join(' ', args)}: {result}");
        }
    }
}
