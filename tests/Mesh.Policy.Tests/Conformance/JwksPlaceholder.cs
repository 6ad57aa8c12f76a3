namespace Mesh.Policy.Tests.Conformance;

/// <summary>The data writes <c>jwks: &lt;jwt_fixtures/jwks.json&gt;</c>; the loader validates inline JWKS, so put the real key set in.</summary>
internal static class JwksPlaceholder
{
    private const string Placeholder = "<jwt_fixtures/jwks.json>";

    public static string Substitute(string yaml)
    {
        if (!yaml.Contains(Placeholder, StringComparison.Ordinal))
        {
            return yaml;
        }

        var json = File.ReadAllText(Path.Combine(TestDataDirectory.Require(), "authz", "istio", "jwt_fixtures", "jwks.json"));
        // One line of JSON without single quotes: a single-quoted YAML scalar holds it verbatim.
        return yaml.Replace(Placeholder, "'" + json.ReplaceLineEndings(" ").Trim() + "'", StringComparison.Ordinal);
    }
}
