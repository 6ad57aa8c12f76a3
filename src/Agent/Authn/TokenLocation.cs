using Mesh.Policy;

namespace Mesh.Agent.Authn;

/// <summary>Where a rule reads tokens from: a header (with a prefix to strip), a query parameter or a cookie.</summary>
internal sealed record TokenLocation(TokenLocation.Source Kind, string Name, string Prefix = "")
{
    internal enum Source
    {
        Header,
        Param,
        Cookie,
    }

    /// <summary>Istio's default when a rule names no location: <c>Authorization: Bearer</c> and the <c>access_token</c> query parameter.</summary>
    public static IReadOnlyList<TokenLocation> Defaults { get; } = [new(Source.Header, "Authorization", "Bearer "), new(Source.Param, "access_token")];

    public static IReadOnlyList<TokenLocation> Of(JwtRule rule)
    {
        var locations = new List<TokenLocation>();
        locations.AddRange(rule.FromHeaders.Select(h => new TokenLocation(Source.Header, h.Name, h.Prefix)));
        locations.AddRange(rule.FromParams.Select(p => new TokenLocation(Source.Param, p)));
        locations.AddRange(rule.FromCookies.Select(c => new TokenLocation(Source.Cookie, c)));
        return locations.Count == 0 ? Defaults : locations;
    }

    /// <summary>Header names compare ignoring case; parameters and cookies are case-sensitive.</summary>
    public bool SameAs(TokenLocation other) =>
        Kind == other.Kind && Prefix == other.Prefix && string.Equals(Name, other.Name, Kind == Source.Header ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    public override string ToString() => Kind switch
    {
        Source.Header => Prefix.Length == 0 ? $"header {Name}" : $"header {Name} ({Prefix.TrimEnd()})",
        Source.Param => $"query parameter {Name}",
        _ => $"cookie {Name}",
    };
}
