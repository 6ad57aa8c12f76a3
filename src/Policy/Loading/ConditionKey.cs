namespace Mesh.Policy.Loading;

internal enum ConditionKind
{
    Header,
    SourceIp,
    RemoteIp,
    DestinationIp,
    DestinationPort,
    SourceNamespace,
    SourcePrincipal,
    SourceServiceAccount,
    SourceTrustDomain,
    RequestPrincipal,
    Audiences,
    Presenter,
    Claim,
    Sni,
}

/// <summary>
/// A parsed <c>when[].key</c>: the keys of istio.io/latest/docs/reference/config/security/conditions and
/// Istio's ValidateAttribute, with <c>[name]</c> arguments for headers and (nested) claims.
/// </summary>
internal sealed record ConditionKey(ConditionKind Kind, string Text, IReadOnlyList<string> Arguments)
{
    private const string Headers = "request.headers";
    private const string Claims = "request.auth.claims";

    private static readonly Dictionary<string, ConditionKind> Plain = new(StringComparer.Ordinal)
    {
        ["source.ip"] = ConditionKind.SourceIp,
        ["remote.ip"] = ConditionKind.RemoteIp,
        ["destination.ip"] = ConditionKind.DestinationIp,
        ["destination.port"] = ConditionKind.DestinationPort,
        ["source.namespace"] = ConditionKind.SourceNamespace,
        ["source.principal"] = ConditionKind.SourcePrincipal,
        ["source.serviceAccount"] = ConditionKind.SourceServiceAccount,
        ["source.trustDomain"] = ConditionKind.SourceTrustDomain,
        ["request.auth.principal"] = ConditionKind.RequestPrincipal,
        ["request.auth.audiences"] = ConditionKind.Audiences,
        ["request.auth.presenter"] = ConditionKind.Presenter,
        ["connection.sni"] = ConditionKind.Sni,
    };

    private static readonly string[] Known = [.. Plain.Keys, $"{Headers}[<name>]", $"{Claims}[<name>]"];

    /// <summary>Only HTTP carries these; see PolicyCompiler's TCP projection.</summary>
    public bool HttpOnly => Kind is ConditionKind.Header or ConditionKind.RequestPrincipal or ConditionKind.Audiences
        or ConditionKind.Presenter or ConditionKind.Claim;

    /// <returns>The key, or an error message with the fix.</returns>
    public static (ConditionKey? Key, string? Error) Parse(string text)
    {
        if (Plain.TryGetValue(text, out var kind))
        {
            return (new ConditionKey(kind, text, []), null);
        }

        if (text.StartsWith(Headers + "[", StringComparison.Ordinal) || text == Headers)
        {
            var args = Brackets(text[Headers.Length..]);
            return args is { Count: 1 }
                ? (new ConditionKey(ConditionKind.Header, text, args), null)
                : (null, $"bad key '{text}': write the header name in brackets, e.g. request.headers[User-Agent]");
        }

        if (text.StartsWith(Claims + "[", StringComparison.Ordinal) || text == Claims)
        {
            var args = Brackets(text[Claims.Length..]);
            return args is { Count: > 0 }
                ? (new ConditionKey(ConditionKind.Claim, text, args), null)
                : (null, $"bad key '{text}': write the claim name in brackets, e.g. request.auth.claims[iss], or request.auth.claims[a][b] for a nested claim");
        }

        return (null, Refusal(text));
    }

    private static string Refusal(string text)
    {
        if (text.StartsWith("experimental.envoy.filters.", StringComparison.Ordinal) || text.StartsWith("request.experimental.", StringComparison.Ordinal))
        {
            return $"condition key '{text}' is not supported: experimental Envoy filter metadata does not exist in this agent; remove the condition";
        }

        if (text == "destination.namespace")
        {
            return "condition key 'destination.namespace' is replaced by the policy's metadata.namespace (Istio refuses it too)";
        }

        if (text.StartsWith("destination.labels", StringComparison.Ordinal))
        {
            return $"condition key '{text}' is replaced by spec.selector.matchLabels (Istio refuses it too)";
        }

        if (text is "destination.name" or "destination.user")
        {
            return $"condition key '{text}' was only supported by Istio's v1alpha1 RBAC; remove it";
        }

        // Compare the part before any [argument]: "request.header[x]" should point at request.headers.
        var hint = Suggest.Closest(text.Split('[')[0], Plain.Keys.Concat([Headers, Claims]));
        return hint is null
            ? $"unknown condition key '{text}'; supported: {string.Join(", ", Known)}"
            : $"unknown condition key '{text}'; did you mean '{hint}'?";
    }

    /// <summary>"[a]" -> [a]; "[a][b]" -> [a, b]; null when the shape is wrong or a name is empty.</summary>
    private static List<string>? Brackets(string rest)
    {
        var names = new List<string>();
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (rest[0] != '[' || close < 2 || rest[1..close].Contains('[', StringComparison.Ordinal))
            {
                return null;
            }

            names.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return names;
    }
}
