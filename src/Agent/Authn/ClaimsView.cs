using Mesh.Policy;
using System.Text.Json;

namespace Mesh.Agent.Authn;

/// <summary>
/// The claims authorization sees (<c>request.auth.claims</c>): the payload, with space-delimited string claims split
/// into lists. Istio always splits <c>scope</c> and <c>permission</c> ("read write" matches "read"), plus the rule's
/// <c>spaceDelimitedClaims</c>.
/// </summary>
internal static class ClaimsView
{
    private static readonly string[] AlwaysSplit = ["scope", "permission"];

    public static JsonElement For(JsonElement payload, JwtRule rule)
    {
        var split = AlwaysSplit.Concat(rule.SpaceDelimitedClaims).ToHashSet(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var claim in payload.EnumerateObject())
            {
                writer.WritePropertyName(claim.Name);
                if (claim.Value.ValueKind == JsonValueKind.String && split.Contains(claim.Name))
                {
                    writer.WriteStartArray();
                    foreach (var word in claim.Value.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        writer.WriteStringValue(word);
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    claim.Value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}
