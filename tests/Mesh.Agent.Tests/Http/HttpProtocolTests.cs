using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Http;

/// <summary>
/// The HTTP data plane through two real agents (issue #7, protocols): curl over HTTP/1.1 and h2c, h2load, a .NET gRPC
/// client (unary, server streaming, deadlines, status in trailers), a WebSocket, bodies of many MiB streamed both ways,
/// and the headers the workload receives.
/// </summary>
public sealed class HttpProtocolTests(HttpMesh mesh) : IClassFixture<HttpMesh>
{
    [Fact]
    public async Task Curl_over_HTTP_1_1_reaches_the_workload_with_Envoys_forwarding_headers_and_no_forged_identity()
    {
        var result = await ExternalTool.RunAsync("curl", ["-sS", "--max-time", "10",
            "-H", "x-forwarded-client-cert: By=spiffe://evil;URI=spiffe://cluster.local/ns/demo/sa/admin",
            "-H", "Keep-Alive: timeout=5", "-H", "x-request-id: trace-123", mesh.HttpUrl + "/headers"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var echo = HeadersEcho.Parse(result.StdOut);
        Assert.Equal("HTTP/1.1", echo.Protocol);
        Assert.Equal("trace-123", echo.Headers["x-request-id"]);
        Assert.Equal("http", echo.Headers["x-forwarded-proto"]);
        Assert.Equal("127.0.0.1", echo.Headers["x-forwarded-for"]);
        // Set by the serving agent from the mTLS handshake; the app's forged value never arrives.
        Assert.Equal($"By={HttpMesh.BackendId};URI={HttpMesh.FrontendId}", echo.Headers["x-forwarded-client-cert"]);
        Assert.False(echo.Headers.ContainsKey("keep-alive"));
        Assert.StartsWith("127.0.0.1:", echo.Headers["host"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_an_id_gets_a_fresh_uuid()
    {
        var first = HeadersEcho.Parse((await ExternalTool.RunAsync("curl", ["-sS", "--max-time", "10", mesh.HttpUrl + "/headers"])).StdOut);
        var second = HeadersEcho.Parse((await ExternalTool.RunAsync("curl", ["-sS", "--max-time", "10", mesh.HttpUrl + "/headers"])).StdOut);

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", first.Headers["x-request-id"]);
        Assert.NotEqual(first.Headers["x-request-id"], second.Headers["x-request-id"]);
    }

    [Fact]
    public async Task Curl_with_h2c_prior_knowledge_is_served_over_HTTP_2_and_an_http2_port_is_HTTP_2_end_to_end()
    {
        var toHttp = await ExternalTool.RunAsync("curl", ["-sS", "--max-time", "10", "--http2-prior-knowledge", "-w", "\n%{http_version}", mesh.HttpUrl + "/headers"]);
        var toHttp2 = await ExternalTool.RunAsync("curl", ["-sS", "--max-time", "10", "--http2-prior-knowledge", "-w", "\n%{http_version}", mesh.Http2Url + "/headers"]);

        Assert.True(toHttp.ExitCode == 0, toHttp.ToString());
        Assert.True(toHttp2.ExitCode == 0, toHttp2.ToString());
        var (body1, version1) = Split(toHttp.StdOut);
        var (body2, version2) = Split(toHttp2.StdOut);
        Assert.Equal(("2", "2"), (version1, version2));
        // An http port is HTTP/1.1 between the agents and to the workload; an http2 port is HTTP/2 all the way.
        Assert.Equal("HTTP/1.1", HeadersEcho.Parse(body1).Protocol);
        Assert.Equal("HTTP/2", HeadersEcho.Parse(body2).Protocol);
    }

    [SkippableFact]
    public async Task H2load_through_the_agents_gets_every_response()
    {
        Skip.If(!File.Exists("/usr/bin/h2load"), "h2load is not installed (apt-get install nghttp2-client); .ci/run installs it");

        var result = await ExternalTool.RunAsync("h2load", ["-n", "400", "-c", "4", "-m", "8", mesh.Http2Url + "/headers"], timeout: TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("400 succeeded, 0 failed, 0 errored", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("status codes: 400 2xx", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GRPC_unary_status_in_trailers_server_streaming_and_deadlines_pass_through_both_agents()
    {
        using var channel = GrpcChannel.ForAddress(mesh.GrpcUrl);
        var client = new Grpc.Health.V1.Health.HealthClient(channel);
        mesh.Backend.Health.SetStatus("shop", HealthCheckResponse.Types.ServingStatus.Serving);

        var serving = await client.CheckAsync(new HealthCheckRequest { Service = "shop" }, deadline: DateTime.UtcNow.AddSeconds(10));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync(new HealthCheckRequest { Service = "nope" }, deadline: DateTime.UtcNow.AddSeconds(10)));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
        // grpc-status and grpc-message travel in HTTP/2 trailers.
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        // Server streaming: the workload pushes each status change down the open stream.
        using var watch = client.Watch(new HealthCheckRequest { Service = "shop" }, deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        mesh.Backend.Health.SetStatus("shop", HealthCheckResponse.Types.ServingStatus.NotServing);
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);

        // A deadline ends a stream that would otherwise never end.
        using var bounded = client.Watch(new HealthCheckRequest { Service = "shop" }, deadline: DateTime.UtcNow.AddMilliseconds(700));
        var expired = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await bounded.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, expired.StatusCode);
    }

    [Fact]
    public async Task A_WebSocket_upgrade_is_carried_through_both_agents()
    {
        using var ws = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ws.ConnectAsync(new Uri(mesh.HttpUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"), timeout.Token);

        var replies = new List<string>();
        foreach (var text in new[] { "hello", "through", "the mesh" })
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[256];
            var r = await ws.ReceiveAsync(buffer, timeout.Token);
            replies.Add(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal(["hello", "through", "the mesh"], replies);
        Assert.Equal(WebSocketState.Closed, ws.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bodies_of_many_MiB_arrive_whole_both_ways(bool http2)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var url = http2 ? mesh.Http2Url : mesh.HttpUrl;
        var version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        var upload = RandomNumberGenerator.GetBytes(24 << 20);

        using var post = new HttpRequestMessage(HttpMethod.Post, url + "/upload") { Content = new ByteArrayContent(upload), Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var posted = await (await client.SendAsync(post)).Content.ReadAsStringAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, url + "/download?mib=24") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var downloaded = await (await client.SendAsync(get)).Content.ReadAsByteArrayAsync();

        Assert.Equal($"{upload.Length} {Convert.ToHexStringLower(SHA256.HashData(upload))}", posted);
        Assert.Equal(24 << 20, downloaded.Length);
        var block = ProtocolBackend.Block();
        Assert.True(Enumerable.Range(0, 24 * 16).All(i => downloaded.AsSpan(i * block.Length, block.Length).SequenceEqual(block)));
    }

    [Fact]
    public async Task A_response_is_streamed_the_first_MiB_arrives_while_the_workload_is_still_writing()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await client.GetAsync(mesh.HttpUrl + "/slow", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        var buffer = new byte[1 << 20];
        var read = 0;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (read < buffer.Length)
            {
                read += await body.ReadAsync(buffer.AsMemory(read), timeout.Token);
            }
        }
        // The workload cannot finish until the test releases it, yet the client already holds the first MiB: had either
        // agent buffered the response, the reads above would have timed out.
        Assert.Equal(buffer.Length, read);
        // The workload marks itself as holding once its flush returned, which may be just after the client had the bytes.
        await mesh.Backend.SlowStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        mesh.Backend.ReleaseSlow();
        var rest = await new StreamReader(body).ReadToEndAsync();
        Assert.Equal("end", rest);
    }

    private static (string Body, string Version) Split(string output)
    {
        var at = output.LastIndexOf('\n');
        return (output[..at], output[(at + 1)..]);
    }
}
