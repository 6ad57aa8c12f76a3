using System.Text.Json.Serialization;

namespace Mesh.Ca;

/// <summary>A certificate and its private key, as file names relative to the state dir.</summary>
internal sealed record KeyPairFiles(
    [property: JsonPropertyName("cert")] string Cert,
    [property: JsonPropertyName("key")] string Key);

[JsonConverter(typeof(JsonStringEnumConverter<RotationKind>))]
internal enum RotationKind
{
    [JsonStringEnumMemberName("intermediate")]
    Intermediate,

    [JsonStringEnumMemberName("root")]
    Root,
}

[JsonConverter(typeof(JsonStringEnumConverter<RotationPhase>))]
internal enum RotationPhase
{
    /// <summary>Asked for (by `mesh ca rotate`); nothing created yet.</summary>
    [JsonStringEnumMemberName("requested")]
    Requested,

    /// <summary>Next key and cert exist; for a root rotation the bundle is old + new. The old intermediate still signs.</summary>
    [JsonStringEnumMemberName("prepared")]
    Prepared,

    /// <summary>The new intermediate signs; the old material stays trusted until leaves under it expire.</summary>
    [JsonStringEnumMemberName("active")]
    Active,
}

/// <summary>The rotation in progress and when each phase was entered.</summary>
internal sealed record RotationRecord(
    [property: JsonPropertyName("kind")] RotationKind Kind,
    [property: JsonPropertyName("phase")] RotationPhase Phase,
    [property: JsonPropertyName("requestedAt")] DateTimeOffset RequestedAt,
    [property: JsonPropertyName("preparedAt")] DateTimeOffset? PreparedAt = null,
    [property: JsonPropertyName("activatedAt")] DateTimeOffset? ActivatedAt = null);

/// <summary>
/// The whole key state of a state-dir CA, the one source of truth a restart resumes from. Key and
/// cert files are write-once; only this record moves between them (SPIRE's current/next slots).
/// </summary>
internal sealed record CaJournal(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("root")] KeyPairFiles Root,
    [property: JsonPropertyName("intermediate")] KeyPairFiles Intermediate,
    [property: JsonPropertyName("nextRoot")] KeyPairFiles? NextRoot = null,
    [property: JsonPropertyName("nextIntermediate")] KeyPairFiles? NextIntermediate = null,
    [property: JsonPropertyName("previousRoot")] KeyPairFiles? PreviousRoot = null,
    [property: JsonPropertyName("previousIntermediate")] KeyPairFiles? PreviousIntermediate = null,
    [property: JsonPropertyName("rotation")] RotationRecord? Rotation = null,
    [property: JsonPropertyName("lastRotationCompletedAt")] DateTimeOffset? LastRotationCompletedAt = null)
{
    internal const int CurrentVersion = 1;

    /// <summary>"idle", or "&lt;kind&gt;:&lt;phase&gt;" such as "root:prepared"; what GetTrustBundle reports.</summary>
    internal string StateText => Rotation is null
        ? "idle"
        : $"{Rotation.Kind.ToString().ToLowerInvariant()}:{Rotation.Phase.ToString().ToLowerInvariant()}";
}

/// <summary>Source-generated, so the journal works in the NativeAOT build.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CaJournal))]
internal sealed partial class CaJournalJsonContext : JsonSerializerContext;
