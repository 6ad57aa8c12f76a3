using System.Security.Cryptography;
using System.Text;

namespace Mesh.Ca;

/// <summary>Maps a bearer token to the node grant whose hash it matches.</summary>
internal sealed class NodeAuthenticator
{
    private readonly (CaNodeGrant Grant, byte[] Hash)[] _grants;

    internal NodeAuthenticator(IReadOnlyList<CaNodeGrant> grants) =>
        _grants = [.. grants.Select(g => (g, Convert.FromHexString(g.TokenSha256Hex)))];

    /// <summary>
    /// Compares the hash against every grant in constant time and without stopping at the first
    /// match, so neither timing nor grant order leaks which tokens exist.
    /// </summary>
    internal CaNodeGrant? Authenticate(string? bearerToken)
    {
        if (string.IsNullOrEmpty(bearerToken))
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(bearerToken));
        CaNodeGrant? match = null;
        foreach (var (grant, expected) in _grants)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match ??= grant;
            }
        }

        return match;
    }

    /// <summary>Extracts the token from an <c>authorization</c> header value (RFC 6750 2.1).</summary>
    internal static string? BearerToken(string? authorization)
    {
        const string prefix = "Bearer ";
        return authorization is not null && authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[prefix.Length..].Trim()
            : null;
    }
}
