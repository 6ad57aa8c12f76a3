using System.Globalization;
using System.Text.Json;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Mesh.Agent.Authn;

/// <summary>
/// Rewrites the request for the workload after authentication: <c>outputPayloadToHeader</c> (the payload as sent,
/// base64url), <c>outputClaimToHeaders</c> (a claim's value; <c>a.b.c</c> reaches into objects), and the token removed
/// unless <c>forwardOriginalToken</c>. Every output header the workload's rules name is first removed from what the
/// client sent, so a request without a token cannot pose as verified by sending <c>x-jwt-sub</c> itself.
/// </summary>
internal static class JwtOutputHeaders
{
    public static void Apply(HttpRequest request, IReadOnlyList<JwtRule> rules, AuthnResult result)
    {
        foreach (var rule in rules)
        {
            if (rule.OutputPayloadToHeader is { } payloadHeader)
            {
                request.Headers.Remove(payloadHeader);
            }

            foreach (var pair in rule.OutputClaimToHeaders)
            {
                request.Headers.Remove(pair.Header);
            }
        }

        if (result is not AuthnResult.Authenticated authenticated)
        {
            return;
        }

        foreach (var token in authenticated.Tokens)
        {
            if (token.Rule.OutputPayloadToHeader is { } header)
            {
                request.Headers[header] = token.PayloadSegment;
            }

            foreach (var pair in token.Rule.OutputClaimToHeaders)
            {
                if (Claim(token.Claims.Payload, pair.Claim) is { } value)
                {
                    request.Headers[pair.Header] = value;
                }
            }

            if (!token.Rule.ForwardOriginalToken)
            {
                Remove(request, token.Where);
            }
        }
    }

    /// <summary>A claim's value as header text: strings as they are, numbers and booleans as JSON writes them; objects and lists are not copied.</summary>
    private static string? Claim(JsonElement payload, string path)
    {
        var current = payload;
        foreach (var step in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current))
            {
                // Istio also accepts a claim whose own name contains dots.
                return payload.TryGetProperty(path, out var whole) ? Text(whole) : null;
            }
        }

        return Text(current);
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => null,
    };

    private static void Remove(HttpRequest request, TokenLocation where)
    {
        switch (where.Kind)
        {
            case TokenLocation.Source.Header:
                request.Headers.Remove(where.Name);
                break;
            case TokenLocation.Source.Param:
                var query = new QueryBuilder(request.Query.Where(q => q.Key != where.Name).SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))));
                request.QueryString = query.ToQueryString();
                break;
            default:
                // Cookies stay: removing one from the Cookie header would mean re-serializing the others as the client wrote them.
                break;
        }
    }
}
