using System.Net;
using System.Text;
using Mesh.Agent.Tests.Intercept.Support;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Intercept;

/// <summary>
/// The interception harness on its own, with no mesh: the topology routes between pods and nodes, the capture on the
/// node link sees plaintext as plaintext and TLS as TLS, the servers answer from inside their namespaces, and
/// disposing the topology leaves no namespace behind.
/// </summary>
public sealed class TopologyTests
{
    private const int HttpPort = 8080;
    private const string Body = "hello from pod-c\n";

    [SkippableTheory]
    [InlineData("PodA")]
    [InlineData("PodB")]
    [InlineData("Outside")]
    public async Task A_client_reaches_PodC_across_the_nodes_and_the_server_sees_its_own_address(string client)
    {
        var why = MeshTopology.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var topology = await MeshTopology.CreateAsync();
        await using var server = NetnsHttpServer.Start(topology.PodC, HttpPort, Body);
        var from = client switch { "PodA" => topology.PodA, "PodB" => topology.PodB, _ => topology.Outside };

        var result = await topology.CurlAsync(from, $"http://{topology.PodC.Address}:{HttpPort}/");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Body, result.StdOut);
        var request = Assert.Single(server.Requests);
        Assert.Equal(from.Address, request.Remote.Address);
        Assert.Equal("GET / HTTP/1.1", request.RequestLine);
    }

    [SkippableFact]
    public async Task Plaintext_HTTP_on_the_node_link_is_captured_as_plaintext_and_fails_the_TLS_check()
    {
        var why = MeshTopology.WhyCaptureUnavailable();
        Skip.If(why is not null, why);
        await using var topology = await MeshTopology.CreateAsync();
        await using var server = NetnsHttpServer.Start(topology.PodC, HttpPort, Body);
        var capture = await topology.StartCaptureAsync(topology.Node1, topology.NodeLinkInterface);

        var result = await topology.CurlAsync(topology.PodA, $"http://{topology.PodC.Address}:{HttpPort}/plain-marker");
        var traffic = await capture.StopAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(traffic.ContainsAscii("GET /plain-marker"), traffic.ToString());
        Assert.True(traffic.ContainsAscii(Body), traffic.ToString());
        var verdict = traffic.CheckTls(HttpPort);
        Assert.False(verdict.AllTls, verdict.ToString());
        Assert.Contains("not a TLS handshake record", verdict.Detail, StringComparison.Ordinal);
        Assert.Contains(traffic.Segments, s => s.Source.Address.Equals(topology.PodA.Address) && s.IsSyn);
    }

    [SkippableFact]
    public async Task HTTPS_on_the_node_link_is_TLS_records_only_and_hides_the_request_and_the_body()
    {
        var why = MeshTopology.WhyCaptureUnavailable();
        Skip.If(why is not null, why);
        const int httpsPort = 8443;
        const string secretBody = "secret body from pod-c\n";
        await using var topology = await MeshTopology.CreateAsync();
        using var certificate = SelfSignedCertificate.Create("pod-c.test");
        await using var server = NetnsHttpServer.Start(topology.PodC, httpsPort, secretBody, certificate: certificate);
        var capture = await topology.StartCaptureAsync(topology.Node1, topology.NodeLinkInterface);

        var result = await topology.CurlAsync(topology.PodA, $"https://{topology.PodC.Address}:{httpsPort}/tls-marker", "-k", "-H", "X-Marker: tls-header-marker");
        var traffic = await capture.StopAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(secretBody, result.StdOut);
        var verdict = traffic.CheckTls(httpsPort);
        Assert.True(verdict.AllTls, $"{verdict}\n{traffic}");
        Assert.Equal(2, traffic.Directions.Count);
        Assert.False(traffic.ContainsAscii("tls-marker"), traffic.ToString());
        Assert.False(traffic.ContainsAscii("tls-header-marker"), traffic.ToString());
        Assert.False(traffic.ContainsAscii(secretBody), traffic.ToString());
        // The TLS check looks at the port asked for, not at everything captured.
        Assert.False(traffic.CheckTls(HttpPort).AllTls);
    }

    [SkippableFact]
    public async Task Disposing_the_topology_deletes_all_of_its_namespaces()
    {
        var why = MeshTopology.WhyUnavailable();
        Skip.If(why is not null, why);
        var topology = await MeshTopology.CreateAsync();
        var names = topology.Namespaces.Select(n => n.Name).ToList();
        string before;
        try
        {
            before = await NetnsListAsync();
            // A capture left running must not keep anything alive either.
            if (PacketCapture.WhyUnavailable() is null)
            {
                await topology.StartCaptureAsync(topology.Node1, topology.NodeLinkInterface);
            }
        }
        finally
        {
            await topology.DisposeAsync();
        }
        var after = await NetnsListAsync();

        Assert.Equal(6, names.Distinct().Count());
        Assert.All(names, n => Assert.StartsWith(topology.Prefix + "-", n, StringComparison.Ordinal));
        Assert.All(names, n => Assert.Contains(n, before, StringComparison.Ordinal));
        Assert.All(names, n => Assert.DoesNotContain(n, after, StringComparison.Ordinal));
        Assert.All(names, n => Assert.False(File.Exists("/var/run/netns/" + n), n));
    }

    [SkippableFact]
    public async Task One_connection_from_PodA_to_an_echo_server_in_PodC_carries_several_round_trips()
    {
        var why = MeshTopology.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var topology = await MeshTopology.CreateAsync();
        await using var server = NetnsEchoServer.Start(topology.PodC, 7000);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var client = await topology.ConnectFromAsync(topology.PodA, new IPEndPoint(topology.PodC.Address, 7000), timeout.Token);
        for (var i = 0; i < 5; i++)
        {
            var message = Encoding.ASCII.GetBytes($"round trip {i}\n");
            await client.SendAsync(message, timeout.Token);
            var echoed = new byte[message.Length];
            var got = 0;
            // Bounded by the timeout and by the message length.
            while (got < echoed.Length)
            {
                var n = await client.ReceiveAsync(echoed.AsMemory(got), timeout.Token);
                Assert.True(n > 0, $"the echo server closed after {got} bytes of round trip {i}");
                got += n;
            }
            Assert.Equal(message, echoed);
        }

        Assert.Equal(1, server.AcceptedConnections);
        Assert.Equal(topology.PodA.Address, ((IPEndPoint)client.LocalEndPoint!).Address);
    }

    private static async Task<string> NetnsListAsync()
    {
        var list = await ExternalTool.RunAsync("ip", ["netns", "list"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        return list.StdOut;
    }
}
