using Mesh.Policy;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Authn;

/// <summary>
/// The request's path and query as recorded and logged, with the value of every query parameter the workload's rules
/// read tokens from replaced by <see cref="Redacted"/>: a bearer token in the decision log is a credential anyone who
/// can read the log could replay. Authorization is unaffected: it matches paths without their query.
/// </summary>
internal static class TokenQueryRedaction
{
    public const string Redacted = "REDACTED";

    public static string? PathAndQuery(HttpRequest request, IReadOnlyList<JwtRule> rules)
    {
        var path = request.Path.Value;
        if (!request.QueryString.HasValue)
        {
            return path;
        }

        var names = rules.SelectMany(TokenLocation.Of).Where(l => l.Kind == TokenLocation.Source.Param).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var query = request.QueryString.Value!;
        if (names.Count == 0)
        {
            return path + query;
        }

        // Rewritten pair by pair so that everything else stays exactly as sent.
        var pairs = query[1..].Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pairs[i] : pairs[i][..equals];
            if (names.Contains(Uri.UnescapeDataString(rawName.Replace('+', ' '))))
            {
                pairs[i] = rawName + "=" + Redacted;
            }
        }

        return path + "?" + string.Join('&', pairs);
    }
}
