using System.Text.Json.Serialization;

namespace Mesh.Policy;

/// <summary>
/// One authorization decision as auditors read it (schema v1, docs/decision-log.md). The writer adds the chain
/// envelope (schema, seq, chain, prev, node) in front of these fields; this type is only the decision itself.
/// </summary>
public sealed record DecisionRecord
{
    /// <summary>
    /// When the decision was made; the writer puts it in the envelope (<c>time</c>). Set it always: it is not
    /// <c>required</c> only because the serializer refuses a required member it ignores.
    /// </summary>
    [JsonIgnore]
    public DateTimeOffset Time { get; init; }

    /// <summary>The decision id, also returned to the client as <c>mesh-decision-id</c>.</summary>
    public required string Id { get; init; }

    /// <summary>"inbound": the serving agent decided. (Outbound decisions do not exist yet.)</summary>
    public string Direction { get; init; } = "inbound";

    public required DecisionSource Source { get; init; }

    public required DecisionDestination Destination { get; init; }

    public required DecisionRequest Request { get; init; }

    public required DecisionResult Result { get; init; }

    /// <summary>The policy and rule that decided; null when no single rule did (default allow, no match, log unavailable).</summary>
    public DecisionPolicy? Policy { get; init; }

    /// <summary>Dry-run policies that matched but were not enforced; null when none did (or the evaluator reports none yet).</summary>
    public IReadOnlyList<DryRunMatch>? DryRunMatches { get; init; }

    /// <summary>"sha256:&lt;hex&gt;" of the policy set that decided (<see cref="PolicySetDigest"/>).</summary>
    public string? PolicySet { get; init; }

    /// <summary>Time spent deciding (policy evaluation), in microseconds (0.1 µs resolution).</summary>
    public double LatencyUs { get; init; }
}
