using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>
/// Reads one <c>jwtRules</c> entry with istio.io's validation (pilot/pkg/config/validation: validateJwtRule):
/// issuer required, no empty audiences or token locations, header names that are HTTP tokens, a JWKS that
/// parses; plus two rules of ours: jwks and jwksUri are exclusive, and jwksUri must be https (or file:// for a key set
/// on the node's disk).
/// </summary>
internal static class JwtRuleReader
{
    public static JwtRule? Read(YamlMappingNode map, string policy, ErrorSink errors)
    {
        var before = errors.Count;
        var fields = YamlNodes.Fields(map, AuthnFieldSets.JwtRule, errors);
        string? issuer = null;
        if (fields.TryGetValue("issuer", out var i))
        {
            issuer = YamlNodes.Text(i.Value, "issuer", errors);
        }
        else
        {
            errors.At(map, "missing 'issuer' in a jwtRules entry; set it to the token's 'iss' claim (e.g. issuer: https://accounts.example.com)");
        }

        var jwks = fields.TryGetValue("jwks", out var j) ? ReadJwks(j.Value, errors) : null;
        var jwksUri = fields.TryGetValue("jwksUri", out var u) ? ReadJwksUri(u.Value, errors) : null;
        if (j.Key is not null && u.Key is not null)
        {
            errors.At(u.Key, "'jwks' and 'jwksUri' are both set; use one: inline keys (jwks) or a URL to fetch them from (jwksUri)");
        }

        var rule = new JwtRule(
            policy,
            issuer ?? "",
            Strings(fields, "audiences", errors),
            jwks,
            jwksUri,
            fields.TryGetValue("fromHeaders", out var h) ? ReadHeaders(h.Value, errors) : [],
            Strings(fields, "fromParams", errors),
            Strings(fields, "fromCookies", errors),
            fields.TryGetValue("outputPayloadToHeader", out var p) ? HeaderName(p.Value, "outputPayloadToHeader", errors) : null,
            fields.TryGetValue("outputClaimToHeaders", out var c) ? ReadClaimHeaders(c.Value, errors) : [],
            fields.TryGetValue("forwardOriginalToken", out var f) && ReadBool(f.Value, "forwardOriginalToken", errors),
            fields.TryGetValue("timeout", out var t) ? ReadTimeout(t.Value, errors) : null,
            Strings(fields, "spaceDelimitedClaims", errors));
        return errors.Count == before ? rule : null;
    }

    private static string? ReadJwks(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "jwks", errors);
        if (text is null)
        {
            return null;
        }

        if (JwksValidator.Check(text) is { } problem)
        {
            errors.At(node, $"jwks: {problem}");
            return null;
        }

        return text;
    }

    private static Uri? ReadJwksUri(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "jwksUri", errors);
        if (text is null)
        {
            return null;
        }

        if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return ReadFileUri(node, text, errors);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            errors.At(node, $"jwksUri '{text}' is not an absolute https:// URL (e.g. https://issuer.example.com/.well-known/jwks.json)");
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            // Istio accepts http; keys fetched without TLS can be swapped in transit, and every token would then verify.
            errors.At(node, $"jwksUri '{text}' uses http; use https (keys fetched over plain HTTP can be replaced in transit), or inline them with 'jwks'");
            return null;
        }

        return uri;
    }

    /// <summary>
    /// A JWKS file on the node (<c>file:///etc/mesh/jwks.json</c>): an absolute path on this host, no query or fragment.
    /// Whether it exists is the agent's concern at verification time (it may be written after the policy).
    /// </summary>
    private static Uri? ReadFileUri(YamlNode node, string text, ErrorSink errors)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeFile || !uri.IsLoopback
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || !text.StartsWith("file:///", StringComparison.Ordinal))
        {
            errors.At(node, $"jwksUri '{text}' is not a local file URL; write file:///absolute/path/jwks.json (three slashes, no host)");
            return null;
        }

        return uri;
    }

    private static List<JwtHeader> ReadHeaders(YamlNode node, ErrorSink errors)
    {
        var headers = new List<JwtHeader>();
        foreach (var item in Items(node, "fromHeaders", errors))
        {
            if (YamlNodes.Mapping(item, "fromHeaders[]", errors) is not { } map)
            {
                continue;
            }

            var fields = YamlNodes.Fields(map, AuthnFieldSets.FromHeader, errors);
            if (!fields.TryGetValue("name", out var name))
            {
                errors.At(item, "a fromHeaders entry needs 'name' (the header carrying the token, e.g. name: x-jwt-token)");
                continue;
            }

            var header = HeaderName(name.Value, "fromHeaders name", errors);
            // The prefix is matched verbatim (often with a trailing space, "Bearer "), so it may be any string, even empty.
            var prefix = fields.TryGetValue("prefix", out var p) ? (p.Value as YamlScalarNode)?.Value : "";
            if (fields.ContainsKey("prefix") && p.Value is not YamlScalarNode)
            {
                errors.At(p.Value, "field 'prefix' must be a string");
            }

            if (header is not null)
            {
                headers.Add(new JwtHeader(header, prefix ?? ""));
            }
        }

        return headers;
    }

    private static List<ClaimToHeader> ReadClaimHeaders(YamlNode node, ErrorSink errors)
    {
        var pairs = new List<ClaimToHeader>();
        foreach (var item in Items(node, "outputClaimToHeaders", errors))
        {
            if (YamlNodes.Mapping(item, "outputClaimToHeaders[]", errors) is not { } map)
            {
                continue;
            }

            var fields = YamlNodes.Fields(map, AuthnFieldSets.ClaimToHeader, errors);
            if (!fields.TryGetValue("header", out var h) || !fields.TryGetValue("claim", out var c))
            {
                errors.At(item, "an outputClaimToHeaders entry needs both 'header' and 'claim' (e.g. {header: x-jwt-sub, claim: sub})");
                continue;
            }

            var header = HeaderName(h.Value, "outputClaimToHeaders header", errors);
            var claim = YamlNodes.Text(c.Value, "claim", errors);
            if (header is not null && claim is not null)
            {
                pairs.Add(new ClaimToHeader(header, claim));
            }
        }

        return pairs;
    }

    private static string? HeaderName(YamlNode node, string field, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, field, errors);
        if (text is not null && !text.All(IsTokenChar))
        {
            errors.At(node, $"'{text}' in '{field}' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)");
            return null;
        }

        return text;
    }

    /// <summary>RFC 9110 tchar: what an HTTP field name may contain.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static bool ReadBool(YamlNode node, string field, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, field, errors);
        switch (text)
        {
            case "true":
                return true;
            case "false":
            case null:
                return false;
            default:
                errors.At(node, $"field '{field}' must be true or false");
                return false;
        }
    }

    private static TimeSpan? ReadTimeout(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "timeout", errors);
        if (text is null)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var timeout) || timeout <= TimeSpan.Zero)
        {
            errors.At(node, $"timeout '{text}' must be a positive duration such as 5s, 1.5s or 500ms");
            return null;
        }

        return timeout;
    }

    private static List<string> Strings(Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string field, ErrorSink errors)
    {
        var values = new List<string>();
        if (!fields.TryGetValue(field, out var node))
        {
            return values;
        }

        foreach (var item in Items(node.Value, field, errors))
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } text } && !YamlNodes.IsNull(item))
            {
                values.Add(text);
            }
            else
            {
                errors.At(item, item is YamlScalarNode ? $"empty value in '{field}'; remove the entry" : $"entries of '{field}' must be strings");
            }
        }

        return values;
    }

    private static IEnumerable<YamlNode> Items(YamlNode node, string field, ErrorSink errors) =>
        YamlNodes.Sequence(node, field, errors)?.Children ?? [];
}
