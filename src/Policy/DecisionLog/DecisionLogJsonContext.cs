using System.Text.Json.Serialization;
using Mesh.Policy.DecisionLog;

namespace Mesh.Policy;

/// <summary>Source-generated serializer: no reflection on the logging path, and trim-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionRecord))]
[JsonSerializable(typeof(ChainEvent))]
internal sealed partial class DecisionLogJsonContext : JsonSerializerContext;
