using System.Text.Json;

namespace Mesh.Agent.Tests.Support;

/// <summary>Reads decision-record fields by dotted path ("request.path"), as docs/decision-log.md names them.</summary>
internal static class RecordFields
{
    public static bool TryGet(this JsonElement record, string dotted, out JsonElement value)
    {
        value = record;
        foreach (var name in dotted.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                return false;
            }
        }
        return true;
    }

    public static string? Str(this JsonElement record, string dotted) =>
        record.TryGet(dotted, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? Int(this JsonElement record, string dotted) =>
        record.TryGet(dotted, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}
