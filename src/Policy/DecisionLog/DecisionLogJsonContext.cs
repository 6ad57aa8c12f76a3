using System.Text.Json.Serialization;

namespace Mesh.Policy;

/// <summary>Source-generated serializer: no reflection on the logging path, and trim-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionRecord))]
internal sealed partial class DecisionLogJsonContext : JsonSerializerContext;
