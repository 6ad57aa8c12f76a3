namespace Mesh.Policy;

/// <summary>
/// The parts of an Istio peer principal <c>&lt;trust domain&gt;/ns/&lt;namespace&gt;/sa/&lt;service account&gt;</c>, as spans
/// into the principal (no allocation). Any other shape has no namespace, service account or trust domain,
/// like Envoy's principal regexes, which then match nothing.
/// </summary>
internal readonly ref struct PeerIdentity
{
    public ReadOnlySpan<char> TrustDomain { get; private init; }

    public ReadOnlySpan<char> Namespace { get; private init; }

    public ReadOnlySpan<char> ServiceAccount { get; private init; }

    public bool IsValid => !Namespace.IsEmpty;

    public static PeerIdentity Parse(string? principal)
    {
        if (principal is null)
        {
            return default;
        }

        var span = principal.AsSpan();
        var slash = span.IndexOf('/');
        if (slash <= 0 || !span[(slash + 1)..].StartsWith("ns/", StringComparison.Ordinal))
        {
            return default;
        }

        var afterNs = slash + 4;
        var nsEnd = span[afterNs..].IndexOf('/');
        if (nsEnd <= 0 || !span[(afterNs + nsEnd + 1)..].StartsWith("sa/", StringComparison.Ordinal))
        {
            return default;
        }

        var saStart = afterNs + nsEnd + 4;
        var sa = span[saStart..];
        if (sa.IsEmpty || sa.Contains('/'))
        {
            return default;
        }

        return new PeerIdentity
        {
            TrustDomain = span[..slash],
            Namespace = span.Slice(afterNs, nsEnd),
            ServiceAccount = sa,
        };
    }
}
