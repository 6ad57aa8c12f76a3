namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>Decision records shaped like the agent's, and a scratch directory for log files.</summary>
internal static class SampleRecords
{
    public static DecisionRecord Deny(string id, string? path = "/admin/../x") => new()
    {
        Time = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)),
        Id = id,
        Source = new DecisionSource { Principal = "spiffe://cluster.local/ns/demo/sa/frontend", Namespace = "demo", Ip = "10.0.0.7", Tls = "mtls" },
        Destination = new DecisionDestination { Workload = "demo/api", Namespace = "demo", Ip = "10.0.0.9", Port = 8080 },
        Request = new DecisionRequest { Protocol = "http", Method = "GET", Path = path, NormalizedPath = MatchedPath.Of(path) },
        Result = new DecisionResult { Decision = "DENY", HttpStatus = 403, Reason = ReasonCodes.DeniedByPolicy, Detail = "denied by DENY policy demo/deny-admin rule 0" },
        Policy = new DecisionPolicy { Name = "demo/deny-admin", Rule = 0, At = "deny-admin.yaml:12" },
        PolicySet = "sha256:" + new string('a', 64),
        LatencyUs = 0.4,
    };

    /// <summary>Writes <paramref name="count"/> records through the real writer and closes it.</summary>
    public static async Task WriteAsync(DecisionLogOptions options, int count, string idPrefix = "r")
    {
        await using var log = new JsonLinesDecisionLog(options);
        for (var i = 0; i < count; i++)
        {
            log.Write(Deny($"{idPrefix}{i}"));
        }

        await log.FlushAsync();
        Assert.Null(log.Failure);
    }
}

internal sealed class ScratchDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mesh-decisions-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
