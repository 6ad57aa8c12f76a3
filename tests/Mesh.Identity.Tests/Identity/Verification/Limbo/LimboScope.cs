namespace Mesh.Identity.Tests.Verification.Limbo;

/// <summary>
/// Which x509-limbo cases peer path validation is judged on. Mesh peers present X.509-SVIDs: the
/// identity is the URI SAN's SPIFFE ID checked by SvidValidator, not a host name; the leaf's own
/// rules are the SPIFFE leaf profile (which limbo's web leaves, without a SPIFFE ID, never meet);
/// revocation is not checked (short-lived SVIDs). Everything about building and trusting the path
/// (signatures, validity of every element, CA flags, pathLen, keyCertSign, name constraints,
/// critical extensions, AKI/SKI) is in scope.
/// </summary>
internal static class LimboScope
{
    internal const int ExpectedInScope = 132;

    /// <summary>
    /// Cases decided by the leaf's own content. Peers' leaves go through the SPIFFE leaf profile
    /// (SvidProfile.CheckLeaf) before the path is built, so these are judged on profile + path.
    /// All are FAILURE in limbo, and X.509-SVID refuses each for the same reason.
    /// </summary>
    internal static readonly IReadOnlySet<string> LeafProfileCases = new HashSet<string>
    {
        "rfc5280::eku::ee-wrong-eku",                     // X509-SVID 4.4: EKU present must hold serverAuth and clientAuth
        "rfc5280::eku::ee-eku-empty",
        "rfc5280::san::noncritical-with-empty-subject",   // RFC 5280 4.1.2.6, checked by SvidProfile
        "rfc5280::leaf-ku-keycertsign",                   // X509-SVID 4.3: leaf MUST NOT set keyCertSign
        "webpki::ee-basicconstraints-ca",                 // X509-SVID 4.1: leaf cA MUST be false
        "webpki::ca-as-leaf",
    };

    /// <summary>
    /// Where we knowingly differ, each failing closed: limbo says SUCCESS, we refuse. Anything else
    /// that disagrees fails the test, and so does one of these starting to agree.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> KnownDisagreements = new Dictionary<string, string>
    {
        // OpenSSL (X509Chain on Linux) takes the first issuer it finds and does not backtrack to
        // another path when that one fails; these need an alternate path through cross-signed or
        // re-ordered CAs. A SPIFFE bundle is one trust domain's roots and its paths are linear.
        ["cve::cve-2024-0567"] = "no backtracking to an alternate path (cross-signed cycle)",
        ["rfc5280::nc::nc-forbids-alternate-chain-ica"] = "no backtracking to an alternate path (name constraints on the first)",
        ["rfc5280::nc::nc-forbids-same-chain-ica"] = "no backtracking to an alternate path (name constraints on the first)",
        ["rfc5280::root-and-intermediate-swapped"] = "no backtracking to an alternate path (trust anchor also offered as intermediate)",

        // RFC 5280 4.1.2.5: validity is "notBefore through notAfter, inclusive"; OpenSSL treats
        // notAfter as already expired, one second early.
        ["rfc5280::validity::notafter-exact"] = "notAfter treated as exclusive by OpenSSL",
        ["rfc5280::validity::notafter-fractional"] = "notAfter treated as exclusive by OpenSSL",
    };

    private static readonly IReadOnlySet<string> HostNameCases = new HashSet<string>
    {
        "rfc5280::san::underscore-dns",
        "rfc5280::san::ip-in-dns",
        "rfc5280::ca-as-leaf-wrong-san",
        "rfc5280::nc::invalid-dnsname-leading-period",
        "rfc5280::nc::nc-permits-invalid-dns-san",
        "rfc5280::nc::nc-forbids-dnsname-wildcard-san",
        "cve::cve-2025-61727",
        "cve::cve-2025-61727-nc-permits-variant",
    };

    internal static string? SkipReason(LimboCase c)
    {
        if (c.Features.Contains("has-crl"))
        {
            return "has-crl: no revocation checking (SPIFFE relies on short SVID lifetimes)";
        }

        if (c.MaxChainDepth is not null)
        {
            return "max-chain-depth: no configurable chain depth";
        }

        var pedantic = c.Features.FirstOrDefault(f => f.StartsWith("pedantic-", StringComparison.Ordinal) || f == "rfc5280-incompatible-with-webpki");
        if (pedantic is not null)
        {
            return $"{pedantic}: web-PKI/CABF strictness that X.509-SVID does not adopt";
        }

        if (c.Features.Contains("has-policy-constraints"))
        {
            return "has-policy-constraints: certificate policies are not used by SPIFFE";
        }

        if (c.ValidationKind == "CLIENT")
        {
            return "CLIENT (rfc822/email name constraints): SPIFFE peers are not email identities";
        }

        if (c.Id.StartsWith("webpki::san::", StringComparison.Ordinal) || c.Id.StartsWith("webpki::cn::", StringComparison.Ordinal))
        {
            return "peer-name matching (DNS/IP/CN vs expected_peer_name): the peer's identity is its SPIFFE ID";
        }

        if (HostNameCases.Contains(c.Id))
        {
            return "DNS-name syntax and wildcard/DNS name-constraint semantics: SPIFFE names are URIs, host names are not identities here";
        }

        if (c.Id == "rfc5280::ca-as-leaf")
        {
            return "conflicts with X509-SVID 4.1: a leaf with cA=true is refused by the leaf profile";
        }

        if (c.Id == "webpki::malformed-aia")
        {
            return "AIA is never read (no fetching), so its syntax does not matter to the verdict";
        }

        return null;
    }
}
