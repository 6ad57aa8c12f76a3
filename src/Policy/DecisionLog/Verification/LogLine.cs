using System.Text.Json;

namespace Mesh.Policy.DecisionLog;

/// <summary>The chain fields of one line as the verifier reads them; null when the line is not a v1 record.</summary>
internal sealed record LogLine(long Seq, string Chain, string Prev, string? Event, string? Alg, long? TornBytes, string? TornSha256, string? Note)
{
    public static LogLine? Parse(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Number || schema.GetInt32() != LineEncoder.Schema
                || !root.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var n)
                || Text(root, "chain") is not { } chain
                || Text(root, "prev") is not { } prev)
            {
                return null;
            }

            long? tornBytes = null;
            string? tornSha = null;
            if (root.TryGetProperty("torn", out var torn) && torn.ValueKind == JsonValueKind.Object)
            {
                tornBytes = torn.TryGetProperty("bytes", out var b) && b.TryGetInt64(out var v) ? v : null;
                tornSha = Text(torn, "sha256");
            }

            return new LogLine(n, chain, prev, Text(root, "event"), Text(root, "alg"), tornBytes, tornSha, Text(root, "note"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
