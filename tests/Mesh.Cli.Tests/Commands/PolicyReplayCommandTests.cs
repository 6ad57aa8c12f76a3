using Mesh.Cli.Tests.Support;
using Mesh.Policy;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh policy replay` as a real process on a log written by the agent's own writer.</summary>
public sealed class PolicyReplayCommandTests
{
    [Fact]
    public async Task Replay_lists_the_decisions_the_candidate_changes_and_exits_4()
    {
        using var dir = new TempDir();
        var log = dir.File("decisions.log");
        await using (var writer = new JsonLinesDecisionLog(new DecisionLogOptions { Path = log }))
        {
            foreach (var (id, path) in new[] { ("a", "/api/items"), ("b", "/api/admin/keys") })
            {
                writer.Write(new DecisionRecord
                {
                    Time = DateTimeOffset.UtcNow,
                    Id = id,
                    Source = new DecisionSource { Principal = "spiffe://cluster.local/ns/demo/sa/frontend", Tls = "mtls" },
                    Destination = new DecisionDestination { Workload = "demo/backend", Namespace = "demo", Port = 8080, Labels = new Dictionary<string, string> { ["app"] = "backend" } },
                    Request = new DecisionRequest { Protocol = "http", Method = "GET", Path = path },
                    Result = new DecisionResult { Decision = "ALLOW", Reason = ReasonCodes.AllowedByPolicy },
                });
            }
            await writer.FlushAsync();
        }

        // The demo policies deny the admin API: one recorded ALLOW would now be a DENY.
        var result = await MeshProcess.RunAsync("policy", "replay", "--log", log, "--policies", RepoPaths.DemoPolicies);

        Assert.True(result.ExitCode == 4, result.ToString());
        var changed = Assert.Single(result.StdOutLines, l => l.StartsWith("CHANGED ", StringComparison.Ordinal));
        Assert.Contains("CHANGED b ", changed, StringComparison.Ordinal);
        Assert.Contains("ALLOW -> DENY", changed, StringComparison.Ordinal);
        Assert.Contains("denied by DENY policy demo/deny-admin-api rule 0", changed, StringComparison.Ordinal);
        Assert.Contains(result.StdOutLines, l => l.StartsWith("2 decisions replayed", StringComparison.Ordinal) && l.EndsWith("1 would change", StringComparison.Ordinal));
    }
}
