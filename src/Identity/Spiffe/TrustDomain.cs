using System.Diagnostics.CodeAnalysis;

namespace Mesh.Identity;

/// <summary>A SPIFFE trust domain name, e.g. <c>cluster.local</c>.</summary>
public sealed class TrustDomain : IEquatable<TrustDomain>
{
    private TrustDomain(string name) => Name = name;

    public string Name { get; }

    /// <summary>Accepts a bare name or a full SPIFFE ID, like go-spiffe TrustDomainFromString.</summary>
    /// <exception cref="FormatException">The message is go-spiffe's error text.</exception>
    public static TrustDomain Parse(string s) =>
        TryParse(s, out var td, out var error) ? td : throw new FormatException(error);

    public static bool TryParse(string s, [NotNullWhen(true)] out TrustDomain? td, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(s);
        td = null;
        if (s.Length == 0)
        {
            error = SpiffeGrammar.ErrMissingTrustDomain;
            return false;
        }

        // go-spiffe looks for ":/" rather than "://" so that "spiffe:/td" is reported as a bad
        // scheme instead of a bad trust-domain character.
        if (s.Contains(":/", StringComparison.Ordinal))
        {
            if (!SpiffeId.TryParse(s, out var id, out error))
            {
                return false;
            }

            td = id.TrustDomain;
            return true;
        }

        error = SpiffeGrammar.ValidateTrustDomainName(s);
        if (error is not null)
        {
            return false;
        }

        td = new TrustDomain(s);
        return true;
    }

    /// <summary>For names already checked by the grammar (the ID parser).</summary>
    internal static TrustDomain FromValidatedName(string name) => new(name);

    /// <summary>The trust domain's own SPIFFE ID, <c>spiffe://name</c>, used on CA certificates.</summary>
    public SpiffeId Id => SpiffeId.FromValidatedParts(this, string.Empty);

    public bool Equals(TrustDomain? other) => other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as TrustDomain);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public override string ToString() => Name;

    public static bool operator ==(TrustDomain? left, TrustDomain? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(TrustDomain? left, TrustDomain? right) => !(left == right);
}
