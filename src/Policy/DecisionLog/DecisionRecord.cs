using System.Text.Json.Serialization;

namespace Mesh.Policy;

/// <summary>One authorization decision as auditors read it: one JSON line per record.</summary>
public sealed record DecisionRecord
{
    [JsonConverter(typeof(Rfc3339MillisecondsConverter))]
    public required DateTimeOffset Time { get; init; }

    /// <summary>Unique decision id; <see cref="Guid.CreateVersion7()"/> in "N" form sorts by time like a ULID.</summary>
    public required string Id { get; init; }

    /// <summary>The peer in <c>spiffe://</c> form, for readability; null for plaintext peers.</summary>
    public string? SourcePrincipal { get; init; }

    /// <summary>"namespace/name".</summary>
    public required string DestinationWorkload { get; init; }

    public required int DestinationPort { get; init; }

    /// <summary>"tcp" or "http".</summary>
    public required string Protocol { get; init; }

    public string? Method { get; init; }

    public string? Path { get; init; }

    /// <summary>"ALLOW" or "DENY".</summary>
    public required string Decision { get; init; }

    public string? Policy { get; init; }

    public int? Rule { get; init; }

    public required string Reason { get; init; }

    /// <summary>"mtls" or "plaintext".</summary>
    public string? Tls { get; init; }
}
