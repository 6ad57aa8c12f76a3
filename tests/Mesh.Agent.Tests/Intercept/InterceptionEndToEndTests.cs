using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Agent.Intercept;
using Mesh.Agent.Redirect;
using Mesh.Agent.Tests.Intercept.Support;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Intercept;

/// <summary>
/// Transparent interception proven on real namespaces (issue #6): two node agents in one process serve pods A and B
/// (node-1) and C (node-2) inside the pods' network namespaces; unmodified curl and sockets in the pods, iptables
/// REDIRECT rules in each pod, tcpdump on the link between the nodes. Everything runs as root in namespaces the test
/// creates with addresses from 198.18.0.0/15, removed afterwards; skipped with the reason when that is impossible.
/// </summary>
public sealed class InterceptionEndToEndTests
{
    private const string PodsHttpStatus = "%{http_code}";

    private static async Task<MeshTopology> TopologyAsync(bool capture = false)
    {
        var why = capture ? MeshTopology.WhyCaptureUnavailable() : MeshTopology.WhyUnavailable();
        Skip.If(why is not null, why);
        return await MeshTopology.CreateAsync();
    }

    [SkippableFact]
    public async Task Curl_in_pod_A_reaches_pod_C_through_both_agents_and_the_node_link_carries_only_TLS()
    {
        await using var topology = await TopologyAsync(capture: true);
        await using var mesh = await InterceptMesh.StartAsync(topology);
        var capture = await topology.StartCaptureAsync(topology.Node1, topology.NodeLinkInterface);

        var curl = await topology.CurlAsync(topology.PodA, mesh.Url("/secret-path?token=plain"), "-H", "X-Marker: plaintext-marker");
        var traffic = await capture.StopAsync();

        Assert.True(curl.ExitCode == 0, curl.ToString());
        Assert.Equal(InterceptMesh.Body, curl.StdOut);
        // The request reached C's server, sent from inside pod C by its agent (in-pod mode keeps it local to the pod).
        var served = Assert.Single(mesh.ServerC.Requests);
        Assert.Equal("GET /secret-path?token=plain HTTP/1.1", served.RequestLine);
        // On the wire between the nodes: TLS records only, to and from C's tunnel port, and none of the HTTP text.
        var tls = traffic.CheckTls(InterceptOptions.DefaultTunnelPort);
        Assert.True(tls.AllTls, tls + "\n" + traffic);
        Assert.False(traffic.ContainsAscii("secret-path"), traffic.ToString());
        Assert.False(traffic.ContainsAscii("plaintext-marker"), traffic.ToString());
        Assert.False(traffic.ContainsAscii("hello from pod-c"), traffic.ToString());
        Assert.DoesNotContain(traffic.Segments, s => s.Source.Port == InterceptMesh.HttpPort || s.Destination.Port == InterceptMesh.HttpPort);
        // The tunnel left from pod A's own address, not the node's.
        Assert.Contains(traffic.Segments, s => s.Source.Address.Equals(topology.PodA.Address) && s.Destination.Port == InterceptOptions.DefaultTunnelPort);

        // C's agent authorized it with A's identity and recorded who, from where, to what.
        var record = Assert.Single(await mesh.DecisionsAsync("node-2"));
        Assert.Equal("ALLOW", record.Str("result.decision"));
        Assert.Equal(InterceptMesh.IdA.ToString(), record.Str("source.principal"));
        Assert.Equal("mtls", record.Str("source.tls"));
        Assert.Equal(topology.PodA.Address!.ToString(), record.Str("source.ip"));
        Assert.Equal("demo/c", record.Str("destination.workload"));
        Assert.Equal(InterceptMesh.HttpPort, record.Int("destination.port"));
        Assert.Equal("/secret-path?token=plain", record.Str("request.path"));
    }

    [SkippableFact]
    public async Task A_DENY_policy_makes_the_same_curl_fail_and_a_DENY_record_names_the_policy()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology);
        var allowed = await topology.CurlAsync(topology.PodA, mesh.Url(), "-f");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());

        await mesh.WritePolicyAsync(mesh.Node2, "deny-a.yaml", """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: { name: deny-a, namespace: demo }
            spec:
              selector: { matchLabels: { app: c } }
              action: DENY
              rules:
                - from: [{ source: { principals: ["cluster.local/ns/demo/sa/a"] } }]
            """);
        var denied = await topology.CurlAsync(topology.PodA, mesh.Url(), "-w", PodsHttpStatus);
        var tcpClosed = await RefusedAsync(topology, topology.PodA, new IPEndPoint(topology.PodC.Address!, InterceptMesh.TcpPort));

        Assert.Equal("RBAC: access denied403", denied.StdOut);
        Assert.True(tcpClosed, "the TCP connection to C's denied port should be closed by the agents");
        Assert.Equal(1, mesh.ServerC.RequestCount);
        Assert.Equal(0, mesh.EchoC.AcceptedConnections);
        var records = await mesh.DecisionsAsync("node-2");
        var denies = records.Where(r => r.Str("result.decision") == "DENY").ToList();
        Assert.Equal(2, denies.Count);
        Assert.All(denies, r => Assert.Equal("demo/deny-a", r.Str("policy.name")));
        Assert.Equal(["http", "tcp"], denies.Select(r => r.Str("request.protocol")!).Order());
    }

    [SkippableFact]
    public async Task A_DENY_on_pod_As_address_fires_through_the_tunnel_because_tunnels_leave_from_the_pods_own_address()
    {
        await using var topology = await TopologyAsync();
        var policy = $$"""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: { name: deny-a-address, namespace: demo }
            spec:
              selector: { matchLabels: { app: c } }
              action: DENY
              rules:
                - from: [{ source: { ipBlocks: ["{{topology.PodA.Address}}/32"] } }]
            """;
        await using var mesh = await InterceptMesh.StartAsync(topology, withPodB: true, policies: new Dictionary<string, string> { ["deny-a-address.yaml"] = policy });

        var fromA = await topology.CurlAsync(topology.PodA, mesh.Url("/a"), "-w", PodsHttpStatus);
        var fromB = await topology.CurlAsync(topology.PodB, mesh.Url("/b"));

        Assert.Equal("RBAC: access denied403", fromA.StdOut);
        Assert.True(fromB.ExitCode == 0 && fromB.StdOut == InterceptMesh.Body, fromB.ToString());
        var records = await mesh.DecisionsAsync("node-2");
        var denied = records.Single(r => r.Str("request.path") == "/a");
        Assert.Equal("demo/deny-a-address", denied.Str("policy.name"));
        Assert.Equal(InterceptMesh.IdA.ToString(), denied.Str("source.principal"));
        Assert.Equal("ALLOW", records.Single(r => r.Str("request.path") == "/b").Str("result.decision"));
    }

    [SkippableFact]
    public async Task Outside_the_mesh_STRICT_gets_nothing_and_PERMISSIVE_gets_through_recorded_as_plaintext()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology);

        // PERMISSIVE (Istio's default): the outsider's plaintext is served, and the log says it was plaintext, from where.
        var permissive = await topology.CurlAsync(topology.Outside, mesh.Url("/from-outside"));
        Assert.True(permissive.ExitCode == 0, permissive.ToString());
        Assert.Equal(InterceptMesh.Body, permissive.StdOut);
        var plain = (await mesh.DecisionsAsync("node-2")).Single(r => r.Str("request.path") == "/from-outside");
        Assert.Equal("ALLOW", plain.Str("result.decision"));
        Assert.Equal("plaintext", plain.Str("source.tls"));
        Assert.Null(plain.Str("source.principal"));
        Assert.Equal(topology.Outside.Address!.ToString(), plain.Str("source.ip"));

        await mesh.WritePolicyAsync(mesh.Node2, "strict.yaml", """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: strict, namespace: demo }
            spec:
              mtls: { mode: STRICT }
            """);
        var strict = await topology.CurlAsync(topology.Outside, mesh.Url("/strict"));
        var tcpClosed = await RefusedAsync(topology, topology.Outside, new IPEndPoint(topology.PodC.Address!, InterceptMesh.TcpPort));
        var mesh2 = await topology.CurlAsync(topology.PodA, mesh.Url("/mesh-still-works"));

        Assert.NotEqual(0, strict.ExitCode);
        Assert.Equal("", strict.StdOut);
        Assert.True(tcpClosed, "a plaintext TCP connection must be closed under STRICT");
        Assert.DoesNotContain(mesh.ServerC.Requests, r => r.RequestLine.Contains("/strict", StringComparison.Ordinal));
        Assert.Equal(0, mesh.EchoC.AcceptedConnections);
        Assert.True(mesh2.ExitCode == 0 && mesh2.StdOut == InterceptMesh.Body, mesh2.ToString());
        Assert.Equal((1, 2), (mesh.Node2.Metrics.PlaintextServed, mesh.Node2.Metrics.PlaintextRefused));
        var refusals = (await mesh.DecisionsAsync("node-2")).Where(r => r.Str("result.reason") == "peer_not_mtls").ToList();
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, r =>
        {
            Assert.Equal("DENY", r.Str("result.decision"));
            Assert.Equal("plaintext", r.Str("source.tls"));
            Assert.Equal("demo/strict", r.Str("policy.name"));
            Assert.Equal(topology.Outside.Address!.ToString(), r.Str("source.ip"));
        });
    }

    [SkippableFact]
    public async Task Destinations_outside_the_mesh_pass_through_from_the_pod_or_are_refused_per_config()
    {
        await using var topology = await TopologyAsync();
        await using var outsideServer = NetnsHttpServer.Start(topology.Outside, 8081, "outside\n");
        var url = $"http://{topology.Outside.Address}:8081/";

        await using (var passthrough = await InterceptMesh.StartAsync(topology))
        {
            var ok = await topology.CurlAsync(topology.PodA, url);
            Assert.True(ok.ExitCode == 0 && ok.StdOut == "outside\n", ok.ToString());
            // Connected from inside pod A, so the server sees A's address.
            Assert.Equal(topology.PodA.Address, Assert.Single(outsideServer.Requests).Remote.Address);
            Assert.Equal((0, 1, 0), (passthrough.Node1.Metrics.CapturedToMesh, passthrough.Node1.Metrics.CapturedPassthrough, passthrough.Node1.Metrics.CapturedRefused));
        }
        await using (var refuse = await InterceptMesh.StartAsync(topology, outsideMesh: OutsideMeshMode.Refuse))
        {
            var refused = await topology.CurlAsync(topology.PodA, url);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Single(outsideServer.Requests);
            Assert.Equal(1, refuse.Node1.Metrics.CapturedRefused);
        }
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pod_B_added_while_A_talks_to_C_is_served_and_the_A_to_C_connection_is_untouched(bool configMapLayout)
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology, configMapLayout: configMapLayout);
        // Before B is in the pods file, its captured traffic finds no agent listener: refused, never sent in plaintext.
        var before = await topology.CurlAsync(topology.PodB, mesh.Url("/from-b-early"));
        Assert.NotEqual(0, before.ExitCode);

        using var longLived = await topology.ConnectFromAsync(topology.PodA, new IPEndPoint(topology.PodC.Address!, InterceptMesh.TcpPort));
        using var stop = new CancellationTokenSource();
        var echoes = EchoLoopAsync(longLived, stop.Token);
        await Task.Delay(200);
        mesh.WritePods("node-1", [("a", topology.PodA), ("b", topology.PodB)]);
        await InterceptMesh.WaitServedAsync(mesh.Node1, "demo/b");
        var fromB = await topology.CurlAsync(topology.PodB, mesh.Url("/from-b"));
        await Task.Delay(200);
        await stop.CancelAsync();
        var roundTrips = await echoes;

        Assert.True(fromB.ExitCode == 0 && fromB.StdOut == InterceptMesh.Body, fromB.ToString());
        Assert.True(roundTrips >= 10, $"only {roundTrips} echo round trips on the A-C connection");
        Assert.Equal(1, mesh.EchoC.AcceptedConnections);
        var fromBRecord = (await mesh.DecisionsAsync("node-2")).Single(r => r.Str("request.path") == "/from-b");
        Assert.Equal(InterceptMesh.IdB.ToString(), fromBRecord.Str("source.principal"));
        Assert.Equal(topology.PodB.Address!.ToString(), fromBRecord.Str("source.ip"));

        // Removing B closes only B's listeners; A keeps working.
        mesh.WritePods("node-1", [("a", topology.PodA)]);
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (mesh.Node1.Pods!.Served.Contains("demo/b"))
        {
            await Task.Delay(20, gone.Token);
        }
        var afterRemoval = await topology.CurlAsync(topology.PodB, mesh.Url("/from-b-late"));
        var fromA = await topology.CurlAsync(topology.PodA, mesh.Url("/from-a-late"));
        Assert.NotEqual(0, afterRemoval.ExitCode);
        Assert.True(fromA.ExitCode == 0, fromA.ToString());
    }

    [SkippableFact]
    public async Task A_pod_whose_identity_the_CA_will_not_grant_is_not_served_and_nothing_leaves_it()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology, withPodB: true, grantB: false);
        await Task.Delay(500);

        var curl = await topology.CurlAsync(topology.PodB, mesh.Url("/from-b"));

        Assert.Contains("demo/b", mesh.Node1.Pods!.Pending);
        Assert.DoesNotContain("demo/b", mesh.Node1.Pods.Served);
        Assert.NotEqual(0, curl.ExitCode);
        Assert.Empty(mesh.ServerC.Requests);
    }

    [SkippableFact]
    public async Task After_the_serving_agent_restarts_new_connections_work_within_2_s_of_it_being_ready()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology);
        var first = await topology.CurlAsync(topology.PodA, mesh.Url("/before"));
        Assert.True(first.ExitCode == 0, first.ToString());

        ExternalTool.Result? whileDown = null;
        await mesh.RestartNode2Async(async () => whileDown = await topology.CurlAsync(topology.PodA, mesh.Url("/while-down"), "-w", PodsHttpStatus));
        await InterceptMesh.WaitServedAsync(mesh.Node2, "demo/c");
        var ready = Stopwatch.StartNew();
        ExternalTool.Result after;
        do
        {
            after = await topology.CurlAsync(topology.PodA, mesh.Url("/after"), "--max-time", "2");
        }
        while (after.ExitCode != 0 && ready.Elapsed < TimeSpan.FromSeconds(5));
        var elapsed = ready.Elapsed;

        // While C's agent is down, A's agent cannot open the tunnel: the app gets a gateway error, never C's answer.
        Assert.Equal("502", whileDown!.StdOut);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"first successful request {elapsed.TotalMilliseconds:F0} ms after the agent was ready");
        Assert.DoesNotContain(mesh.ServerC.Requests, r => r.RequestLine.Contains("/while-down", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_port_the_registry_does_not_declare_is_sniffed_HTTP_is_authorized_per_request_and_the_rest_is_TCP()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology);
        await using var undeclaredHttp = NetnsHttpServer.Start(topology.PodC, 8082, "undeclared\n");
        await using var undeclaredEcho = NetnsEchoServer.Start(topology.PodC, 9002);

        var curl = await topology.CurlAsync(topology.PodA, $"http://{topology.PodC.Address}:8082/sniffed");
        using var tcp = await topology.ConnectFromAsync(topology.PodA, new IPEndPoint(topology.PodC.Address!, 9002));
        await tcp.SendAsync("raw bytes\n"u8.ToArray());
        var echoed = new byte[10];
        var got = 0;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (got < echoed.Length)
            {
                got += await tcp.ReceiveAsync(echoed.AsMemory(got), SocketFlags.None, timeout.Token);
            }
        }

        Assert.True(curl.ExitCode == 0 && curl.StdOut == "undeclared\n", curl.ToString());
        Assert.Equal("raw bytes\n"u8.ToArray(), echoed);
        var records = await mesh.DecisionsAsync("node-2");
        var http = records.Single(r => r.Int("destination.port") == 8082);
        Assert.Equal("http", http.Str("request.protocol"));
        Assert.Equal("/sniffed", http.Str("request.path"));
        Assert.Equal("tcp", records.Single(r => r.Int("destination.port") == 9002).Str("request.protocol"));
    }

    [SkippableFact]
    public async Task A_connection_to_a_service_address_is_balanced_over_its_endpoints_per_request()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology, withPodB: true);
        await using var serverB = NetnsHttpServer.Start(topology.PodB, InterceptMesh.HttpPort, "hello from pod-b\n");

        var bodies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var curl = await topology.CurlAsync(topology.PodA, $"http://{InterceptMesh.ServiceVip}:{InterceptMesh.HttpPort}/via-vip");
            Assert.True(curl.ExitCode == 0, curl.ToString());
            bodies.Add(curl.StdOut);
        }

        // Round robin over C and B: each answers half, and both saw A's identity through their own agents.
        Assert.Equal(5, bodies.Count(b => b == InterceptMesh.Body));
        Assert.Equal(5, bodies.Count(b => b == "hello from pod-b\n"));
        Assert.Equal(5, (await mesh.DecisionsAsync("node-2")).Count(r => r.Str("request.path") == "/via-vip" && r.Str("source.principal") == InterceptMesh.IdA.ToString()));
        Assert.Equal(5, (await mesh.DecisionsAsync("node-1")).Count(r => r.Str("request.path") == "/via-vip" && r.Str("destination.workload") == "demo/b"));
    }

    [SkippableFact]
    public async Task Uninstall_after_intercepted_traffic_leaves_iptables_save_as_it_was_before_install()
    {
        await using var topology = await TopologyAsync();
        await using var mesh = await InterceptMesh.StartAsync(topology);
        var curl = await topology.CurlAsync(topology.PodA, mesh.Url());
        Assert.True(curl.ExitCode == 0, curl.ToString());
        var installed = await mesh.SaveNatAsync(topology.PodA);

        await new RedirectInstaller(new CommandRunner(topology.PodA.Name), "").UninstallAsync(CancellationToken.None);
        var after = await mesh.SaveNatAsync(topology.PodA);

        Assert.Contains("MESH_OUTPUT", installed, StringComparison.Ordinal);
        Assert.Equal(mesh.NatBeforeInstall[topology.PodA.Name], after);
        // And pod A's traffic is no longer captured: it reaches C directly, in plaintext, as before the mesh.
        var direct = await topology.CurlAsync(topology.PodA, mesh.Url("/direct"));
        Assert.True(direct.ExitCode == 0 && direct.StdOut == InterceptMesh.Body, direct.ToString());
        Assert.Equal("plaintext", (await mesh.DecisionsAsync("node-2")).Single(r => r.Str("request.path") == "/direct").Str("source.tls"));
    }

    /// <summary>
    /// True when a TCP connection from <paramref name="from"/> gets nothing: reset while connecting (the agent's RST can
    /// beat the connect's completion), or closed (FIN or reset) without a byte within 10 s.
    /// </summary>
    private static async Task<bool> RefusedAsync(MeshTopology topology, TopologyNetns from, IPEndPoint to)
    {
        Socket socket;
        try
        {
            socket = await topology.ConnectFromAsync(from, to);
        }
        catch (SocketException)
        {
            return true;
        }
        using (socket)
        {
            return await ClosedWithoutDataAsync(socket);
        }
    }

    private static async Task<bool> ClosedWithoutDataAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.SendAsync("ping\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            return await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Echo round trips on one connection until cancelled; throws if any round trip fails.</summary>
    private static async Task<int> EchoLoopAsync(Socket socket, CancellationToken stop)
    {
        var count = 0;
        var buffer = new byte[64];
        while (!stop.IsCancellationRequested && count < 100_000)
        {
            var message = Encoding.ASCII.GetBytes($"round {count}\n");
            await socket.SendAsync(message, SocketFlags.None);
            var received = 0;
            while (received < message.Length)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout.Token);
                Assert.True(n > 0, $"the A-C connection was closed after {count} round trips");
                received += n;
            }
            Assert.Equal(message, buffer[..received]);
            count++;
            await Task.Delay(10, CancellationToken.None);
        }
        return count;
    }
}
