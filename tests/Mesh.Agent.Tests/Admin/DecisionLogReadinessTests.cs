using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Admin;

/// <summary>A real agent whose decision log cannot be written: /ready and /stats say so, and the log says it loudly.</summary>
public sealed class DecisionLogReadinessTests : IDisposable
{
    private readonly ConfigDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(AgentHost Agent, LogSink Logs)> StartAsync(DecisionLogFailureMode mode)
    {
        _dir.Write("policies/.keep", "");
        _dir.Write("in-the-way", "a regular file where the log's directory should be");
        var logs = new LogSink();
        var workload = MeshFixture.Workload("backend", TestCa.Id("demo", "backend"), new WorkloadPort(8080, PortProtocol.Http));
        var agent = await AgentHost.StartAsync(new AgentOptions
        {
            Node = "node-b",
            TrustDomain = TestCa.TrustDomain,
            Ca = new CaEndpointOptions(new Uri("https://127.0.0.1:1"), _dir.File("unused.pem"), "unused"),
            PoliciesDir = _dir.File("policies"),
            DecisionLogPath = _dir.File("in-the-way/decisions.log"),
            DecisionLog = new DecisionLogSettings { OnFailure = mode },
            Registry = ServiceRegistry.Empty,
            InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
            Workloads = [workload],
        }, logs.Configure, fetchSvid: (_, ct) => Task.Delay(Timeout.Infinite, ct).ContinueWith<IssuedSvid>(_ => throw new OperationCanceledException(), TaskScheduler.Default));
        return (agent, logs);
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(AgentHost agent, string path)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://{agent.AdminEndpoint}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Failing_closed_the_agent_is_not_ready_and_logs_the_failure_as_critical()
    {
        var (agent, logs) = await StartAsync(DecisionLogFailureMode.Closed);
        await using (agent)
        {
            var (status, body) = await GetAsync(agent, "/ready");
            var (_, stats) = await GetAsync(agent, "/stats");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("decision log unavailable", body, StringComparison.Ordinal);
            Assert.Contains("\"decision_log_failed\":1", stats, StringComparison.Ordinal);
            Assert.True(logs.Contains("cannot be written") && logs.Contains("failing closed"), string.Join("\n", logs.Lines));
        }
    }

    [Fact]
    public async Task Failing_open_readiness_does_not_depend_on_the_log_but_the_failure_is_still_logged()
    {
        var (agent, logs) = await StartAsync(DecisionLogFailureMode.Open);
        await using (agent)
        {
            var (_, body) = await GetAsync(agent, "/ready");

            Assert.DoesNotContain("decision log", body, StringComparison.Ordinal);
            Assert.True(logs.Contains("NOT AUDITED"), string.Join("\n", logs.Lines));
        }
    }
}
