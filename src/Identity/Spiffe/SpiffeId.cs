using System.Diagnostics.CodeAnalysis;

namespace Mesh.Identity;

/// <summary>A SPIFFE ID, <c>spiffe://trust-domain/path</c>, parsed exactly as go-spiffe does.</summary>
public sealed class SpiffeId : IEquatable<SpiffeId>
{
    private readonly string _text;

    private SpiffeId(TrustDomain trustDomain, string path)
    {
        TrustDomain = trustDomain;
        Path = path;
        _text = SpiffeGrammar.SchemePrefix + trustDomain.Name + path;
        (Namespace, ServiceAccount) = SplitWorkloadPath(path);
    }

    public TrustDomain TrustDomain { get; }

    /// <summary>The path, empty or starting with '/'.</summary>
    public string Path { get; }

    /// <summary>Set when <see cref="Path"/> is <c>/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c> (Istio's workload form).</summary>
    public string? Namespace { get; }

    /// <summary>Set when <see cref="Path"/> is <c>/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>.</summary>
    public string? ServiceAccount { get; }

    /// <summary>Istio's <c>source.principal</c> form: the ID without the scheme.</summary>
    // Cached: the authorizer asks for it on every request.
    public string Principal => _principal ??= TrustDomain.Name + Path;

    private string? _principal;

    /// <exception cref="FormatException">The message is go-spiffe's error text.</exception>
    public static SpiffeId Parse(string s) =>
        TryParse(s, out var id, out var error) ? id : throw new FormatException(error);

    /// <summary>Port of go-spiffe spiffeid.FromString, error strings included.</summary>
    public static bool TryParse(string s, [NotNullWhen(true)] out SpiffeId? id, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(s);
        id = null;
        if (s.Length == 0)
        {
            error = SpiffeGrammar.ErrEmpty;
            return false;
        }

        // SPIFFE-ID.md 2: the scheme is "spiffe"; go-spiffe matches it case-sensitively.
        if (!s.StartsWith(SpiffeGrammar.SchemePrefix, StringComparison.Ordinal))
        {
            error = SpiffeGrammar.ErrWrongScheme;
            return false;
        }

        var rest = s.AsSpan(SpiffeGrammar.SchemePrefix.Length);
        var i = 0;
        for (; i < rest.Length && rest[i] != '/'; i++)
        {
            if (!SpiffeGrammar.IsTrustDomainChar(rest[i]))
            {
                error = SpiffeGrammar.ErrBadTrustDomainChar;
                return false;
            }
        }

        if (i == 0)
        {
            error = SpiffeGrammar.ErrMissingTrustDomain;
            return false;
        }

        var path = rest[i..].ToString();
        error = SpiffeGrammar.ValidatePath(path);
        if (error is not null)
        {
            return false;
        }

        id = new SpiffeId(TrustDomain.FromValidatedName(rest[..i].ToString()), path);
        return true;
    }

    /// <summary>Istio's workload identity, <c>spiffe://td/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>.</summary>
    /// <exception cref="ArgumentException">A part is not a valid path segment (go-spiffe's text).</exception>
    public static SpiffeId ForWorkload(TrustDomain td, string ns, string serviceAccount)
    {
        ArgumentNullException.ThrowIfNull(td);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(serviceAccount);
        var error = SpiffeGrammar.ValidateSegment(ns);
        if (error is not null)
        {
            throw new ArgumentException($"namespace: {error}", nameof(ns));
        }

        error = SpiffeGrammar.ValidateSegment(serviceAccount);
        if (error is not null)
        {
            throw new ArgumentException($"service account: {error}", nameof(serviceAccount));
        }

        return new SpiffeId(td, $"/ns/{ns}/sa/{serviceAccount}");
    }

    internal static SpiffeId FromValidatedParts(TrustDomain td, string path) => new(td, path);

    public bool Equals(SpiffeId? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as SpiffeId);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    public override string ToString() => _text;

    public static bool operator ==(SpiffeId? left, SpiffeId? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(SpiffeId? left, SpiffeId? right) => !(left == right);

    private static (string? Namespace, string? ServiceAccount) SplitWorkloadPath(string path)
    {
        // Path is already valid, so splitting on '/' gives "", s1, s2, ... with no empty segments.
        var parts = path.Split('/');
        return parts is ["", "ns", var ns, "sa", var sa] ? (ns, sa) : (null, null);
    }
}
