using Mesh.Policy.Testing;
using Mesh.Policy.Tests.DecisionLog;

namespace Mesh.Policy.Tests.Testing;

/// <summary>A real decision log (the agent's writer, schema v1, chain events included) re-decided under candidate policies.</summary>
public sealed class DecisionReplayTests : IDisposable
{
    private readonly ScratchDir dir = new();

    public void Dispose() => dir.Dispose();

    private const string Allow = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: api, namespace: demo }
        spec:
          selector: { matchLabels: { app: api } }
          rules:
          - from: [{ source: { principals: ["cluster.local/ns/demo/sa/frontend"] } }]
            to: [{ operation: { methods: ["GET"], paths: ["/api/*"] } }]
        """;

    private static DecisionRecord Record(string id, string path, string decision, string? policy) => SampleRecords.Deny(id, path) with
    {
        Destination = new DecisionDestination { Workload = "demo/api", Namespace = "demo", Ip = "10.0.0.9", Port = 8080, Labels = new Dictionary<string, string> { ["app"] = "api" } },
        Result = new DecisionResult { Decision = decision, Reason = decision == "ALLOW" ? ReasonCodes.AllowedByPolicy : ReasonCodes.NoAllowMatch },
        Policy = policy is null ? null : new DecisionPolicy { Name = policy, Rule = 0 },
    };

    private async Task<List<RecordedDecision>> WriteAndReadAsync(params DecisionRecord[] records)
    {
        var path = dir.File("decisions.log");
        await using (var log = new JsonLinesDecisionLog(new DecisionLogOptions { Path = path }))
        {
            foreach (var record in records)
            {
                log.Write(record);
            }
            await log.FlushAsync();
        }
        return [.. File.ReadLines(path).Select(l => RecordedDecision.Parse(l)).OfType<RecordedDecision>()];
    }

    [Fact]
    public async Task Lists_exactly_the_decisions_a_candidate_set_would_change()
    {
        var recorded = await WriteAndReadAsync(
            Record("a", "/api/items", "ALLOW", "demo/api"),
            Record("b", "/api/admin/keys", "ALLOW", "demo/api"),
            Record("c", "/other", "DENY", null));
        var current = PolicyLoader.LoadYaml(Allow, "p.yaml").Policies!;
        var candidate = PolicyLoader.LoadYaml(Allow + """

            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: { name: deny-admin, namespace: demo }
            spec:
              action: DENY
              rules:
              - to: [{ operation: { paths: ["/api/admin*"] } }]
            """, "p.yaml").Policies!;

        Assert.Equal(3, recorded.Count);
        Assert.All(recorded, r => Assert.True(r.LabelsRecorded));
        Assert.Equal("cluster.local/ns/demo/sa/frontend", recorded[0].Request.SourcePrincipal);

        // The policies that wrote the log change nothing; the candidate closes the admin API.
        Assert.Empty(DecisionReplay.Run(current, recorded));
        var changed = Assert.Single(DecisionReplay.Run(candidate, recorded));
        Assert.Equal("b", changed.Recorded.Id);
        Assert.Equal(DecisionKind.Allow, changed.Recorded.Decision);
        Assert.Equal(DecisionKind.Deny, changed.Now.Decision);
        Assert.Equal("demo/deny-admin", changed.Now.Policy);
    }

    [Fact]
    public void Chain_events_are_not_decisions_and_foreign_lines_are_refused()
    {
        Assert.Null(RecordedDecision.Parse("""{"schema":1,"seq":1,"chain":"ab","prev":"start","node":"n","time":"2026-01-01T00:00:00.000Z","event":"start"}"""));
        Assert.Throws<FormatException>(() => RecordedDecision.Parse("""{"schema":2,"id":"x"}"""));
    }
}
