using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.WorkloadApi;

/// <summary>A JWT's payload as a protobuf Struct, walked by hand (no reflection-based JSON).</summary>
internal static class ClaimsStruct
{
    public static Struct FromPayload(string encodedPayload)
    {
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(Base64UrlEncoder.Decode(encodedPayload)));
        return ToStruct(doc.RootElement);
    }

    private static Struct ToStruct(JsonElement obj)
    {
        var result = new Struct();
        foreach (var property in obj.EnumerateObject())
        {
            result.Fields[property.Name] = ToValue(property.Value);
        }
        return result;
    }

    private static Value ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => Value.ForStruct(ToStruct(e)),
        JsonValueKind.Array => Value.ForList([.. e.EnumerateArray().Select(ToValue)]),
        JsonValueKind.String => Value.ForString(e.GetString()!),
        JsonValueKind.Number => Value.ForNumber(e.GetDouble()),
        JsonValueKind.True => Value.ForBool(true),
        JsonValueKind.False => Value.ForBool(false),
        _ => Value.ForNull(),
    };
}
