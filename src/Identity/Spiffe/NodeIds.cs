using System.Diagnostics.CodeAnalysis;

namespace Mesh.Identity;

/// <summary>
/// A node agent's own identity, <c>spiffe://&lt;td&gt;/mesh/node/&lt;node&gt;</c>: what a join or service-account token is
/// exchanged for, and the client certificate every later request to the CA authenticates with.
/// </summary>
public static class NodeIds
{
    private const string Prefix = "/mesh/node/";

    public static SpiffeId For(TrustDomain td, string node)
    {
        ArgumentNullException.ThrowIfNull(td);
        return SpiffeId.TryParse($"spiffe://{td}{Prefix}{node}", out var id, out var error)
            ? id
            : throw new ArgumentException($"node name '{node}' cannot be part of a SPIFFE ID: {error}", nameof(node));
    }

    /// <summary>True when <paramref name="name"/> can name a node (one SPIFFE path segment).</summary>
    public static bool IsValidName(string name, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal))
        {
            error = "a node name is one non-empty path segment";
            return false;
        }
        return SpiffeId.TryParse($"spiffe://x{Prefix}{name}", out _, out error);
    }

    public static bool TryGetNode(SpiffeId id, [NotNullWhen(true)] out string? node)
    {
        ArgumentNullException.ThrowIfNull(id);
        node = null;
        if (!id.Path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = id.Path[Prefix.Length..];
        if (rest.Length == 0 || rest.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }
        node = rest;
        return true;
    }
}
