using System.Text.Json.Serialization;

namespace Mesh.Policy.DecisionLog;

/// <summary>
/// A line the writer adds to the chain itself, never a decision: where a chain starts, where an agent restart
/// resumed it, and where a restart found the previous file torn. Decision lines have <c>id</c>; event lines <c>event</c>.
/// </summary>
internal sealed record ChainEvent
{
    public const string Start = "start";
    public const string Resume = "resume";
    public const string TornTailEvent = "torn_tail";

    /// <summary>Written in the envelope (<c>time</c>).</summary>
    [JsonIgnore]
    public DateTimeOffset Time { get; init; }

    public required string Event { get; init; }

    /// <summary>The link hash of this chain (<see cref="LinkHash"/>); on start events only.</summary>
    public string? Alg { get; init; }

    /// <summary>On torn_tail: the incomplete last line the agent found and left in place.</summary>
    public TornTail? Torn { get; init; }

    /// <summary>Why a new chain started instead of resuming, in words.</summary>
    public string? Note { get; init; }
}

/// <param name="File">The file (name only) that ends in the torn line, after it was set aside.</param>
/// <param name="Bytes">Length of the torn line.</param>
/// <param name="Sha256">SHA-256 (hex) of the torn line's bytes.</param>
internal sealed record TornTail(string File, long Bytes, string Sha256);
