using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>Checks X.509-SVIDs: the leaf profile, the SPIFFE ID, and the chain to a trust bundle.</summary>
public static class SvidValidator
{
    /// <summary>Every way the leaf breaks the SPIFFE X509-SVID leaf rules; empty when it satisfies them.</summary>
    public static IReadOnlyList<string> CheckLeafProfile(X509Certificate2 leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        var problems = new List<string>();
        if (!TryGetSpiffeId(leaf, out var id, out var idError))
        {
            problems.Add(idError);
        }
        else if (id.Path.Length == 0)
        {
            // X509-SVID.md 2 ties a leaf to a workload; the bare trust domain ID names the
            // domain itself (go-spiffe: "leaf certificate SPIFFE ID must have a non-root path").
            problems.Add("leaf certificate SPIFFE ID must have a non-root path");
        }

        problems.AddRange(SvidProfile.CheckLeaf(X509Facts.Of(leaf)));
        return problems;
    }

    /// <summary>
    /// X509-SVID.md 2: "An X.509 SVID MUST contain exactly one URI SAN, and by extension,
    /// exactly one SPIFFE ID." Error strings follow go-spiffe x509svid.IDFromCert.
    /// </summary>
    public static bool TryGetSpiffeId(X509Certificate2 cert, [NotNullWhen(true)] out SpiffeId? id, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(cert);
        id = null;
        var (uris, readError) = UriSans.Read(cert);
        if (readError is not null)
        {
            error = readError;
            return false;
        }

        switch (uris.Count)
        {
            case 0:
                error = "certificate contains no URI SAN";
                return false;
            case > 1:
                error = "certificate contains more than one URI SAN";
                return false;
        }

        return SpiffeId.TryParse(uris[0], out id, out error);
    }

    /// <summary>
    /// Verifies a peer's X.509-SVID against one trust domain's bundle only: no system roots, no
    /// revocation or AIA fetches, at <paramref name="at"/> (default now).
    /// </summary>
    public static PeerVerification VerifyPeer(X509Certificate2 leaf, X509Certificate2Collection? intermediates, TrustBundle bundle, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(bundle);

        if (!TryGetSpiffeId(leaf, out var id, out var idError))
        {
            return PeerVerification.Rejected(idError);
        }

        var profile = CheckLeafProfile(leaf);
        if (profile.Count > 0)
        {
            return PeerVerification.Rejected(string.Join("; ", profile));
        }

        // X509-SVID.md 5.2: "the validator MUST use the trust bundle of the trust domain the
        // SVID claims"; a cert from another domain must not pass on a shared root.
        if (id.TrustDomain != bundle.TrustDomain)
        {
            return PeerVerification.Rejected($"SPIFFE ID {id} is not a member of trust domain {bundle.TrustDomain}");
        }

        if (bundle.Roots.Count == 0)
        {
            return PeerVerification.Rejected($"trust bundle for {bundle.TrustDomain} has no roots");
        }

        var chainError = ChainVerifier.Verify(leaf, intermediates, bundle.Roots, at ?? DateTimeOffset.UtcNow);
        return chainError is null ? PeerVerification.Accepted(id) : PeerVerification.Rejected(chainError);
    }
}
