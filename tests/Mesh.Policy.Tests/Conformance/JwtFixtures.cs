using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Tests.Conformance;

/// <summary>
/// Stands in for RequestAuthentication in the JWT cases: turns a token named in jwt_fixtures/tokens.json
/// into the request.auth.* attributes Istio's JWT filter would hand to authorization. Signatures are not
/// checked (the fixtures are Istio's own signed test tokens); tokens RequestAuthentication would reject
/// (expired, not a JWT, issuer not configured) come back as null with the reason.
/// </summary>
internal sealed class JwtFixtures(JsonElement tokens)
{
    // Istio's JWT filter always splits these string claims on spaces (normalize_payload_in_metadata).
    private static readonly string[] AlwaysSplit = ["scope", "permission"];

    public static JwtFixtures Load(string directory)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "jwt_fixtures", "tokens.json")));
        return new JwtFixtures(doc.RootElement.GetProperty("tokens").Clone());
    }

    public (AuthzRequest? Attributes, string? Rejected) Apply(AuthzRequest request, string token, IReadOnlyList<YamlMappingNode> requestAuthentications)
    {
        if (!tokens.TryGetProperty(token, out var entry) || !entry.TryGetProperty("payload", out var payload))
        {
            return (null, $"{token} is not a JWT");
        }

        if (payload.TryGetProperty("exp", out var exp) && exp.GetInt64() < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            return (null, $"{token} is expired");
        }

        var issuer = payload.GetProperty("iss").GetString()!;
        var rule = requestAuthentications
            .SelectMany(ra => Seq(ConformanceCaseReader.Map(ra, "spec"), "jwtRules"))
            .FirstOrDefault(r => ConformanceCaseReader.Str(r, "issuer") == issuer);
        if (rule is null)
        {
            return (null, $"issuer {issuer} is not configured");
        }

        var split = AlwaysSplit.Concat(Scalars(rule, "spaceDelimitedClaims")).ToHashSet();
        var claims = new Dictionary<string, object?>();
        foreach (var claim in payload.EnumerateObject())
        {
            claims[claim.Name] = claim.Value.ValueKind == JsonValueKind.String && split.Contains(claim.Name)
                ? claim.Value.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                : claim.Value;
        }

        return (request with
        {
            RequestPrincipal = $"{issuer}/{payload.GetProperty("sub").GetString()}",
            Audiences = payload.TryGetProperty("aud", out var aud)
                ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString()!).ToArray() : [aud.GetString()!]
                : null,
            Presenter = payload.TryGetProperty("azp", out var azp) ? azp.GetString() : null,
            Claims = JsonSerializer.SerializeToElement(claims),
        }, null);
    }

    private static IEnumerable<string> Scalars(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode seq
            ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value!)
            : [];

    private static IEnumerable<YamlMappingNode> Seq(YamlMappingNode? map, string key) =>
        map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode seq
            ? seq.Children.OfType<YamlMappingNode>()
            : [];
}
