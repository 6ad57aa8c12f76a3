using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>
/// The SPIFFE X509-SVID profile as pure rules over <see cref="X509Facts"/>. Messages match
/// go-spiffe's x509svid package where it has one, so operators see the same words.
/// </summary>
internal static class SvidProfile
{
    internal static IReadOnlyList<string> CheckLeaf(X509Facts facts)
    {
        var problems = new List<string>();

        // X509-SVID.md 4.1: "Leaf certificates MUST set the cA field to false."
        if (facts.IsCa)
        {
            problems.Add("leaf certificate must not have CA flag set to true");
        }

        // X509-SVID.md 4.3: "Leaf SVIDs MUST set digitalSignature. ... Leaf SVIDs MUST NOT set
        // keyCertSign or cRLSign." An absent extension sets nothing, so it fails the first rule.
        var ku = facts.KeyUsage ?? NoKeyUsage;
        if ((ku & X509KeyUsageFlags.DigitalSignature) == 0)
        {
            problems.Add("leaf certificate must have 'digitalSignature' set as key usage");
        }

        if ((ku & X509KeyUsageFlags.KeyCertSign) != 0)
        {
            problems.Add("leaf certificate must not have 'keyCertSign' set as key usage");
        }

        if ((ku & X509KeyUsageFlags.CrlSign) != 0)
        {
            problems.Add("leaf certificate must not have 'cRLSign' set as key usage");
        }

        // X509-SVID.md 4.4: "Leaf SVIDs SHOULD include this extension ... When included, fields
        // id-kp-serverAuth and id-kp-clientAuth MUST be set."
        if (facts.ExtendedKeyUsages is { } eku &&
            (!eku.Contains(X509Facts.ServerAuthOid) || !eku.Contains(X509Facts.ClientAuthOid)))
        {
            problems.Add("leaf certificate extended key usage must include both serverAuth and clientAuth");
        }

        // RFC 5280 4.1.2.6: "If the subject field contains an empty sequence, then the issuing CA
        // MUST include a subjectAltName extension that is marked as critical."
        if (facts.SubjectEmpty && !facts.SanCritical)
        {
            problems.Add("leaf certificate with an empty subject must mark subjectAltName critical");
        }

        return problems;
    }

    /// <summary>Rules for every certificate above the leaf in a chain.</summary>
    internal static IReadOnlyList<string> CheckSigning(X509Facts facts)
    {
        var problems = new List<string>();

        // X509-SVID.md 4.1: "Signing certificates MUST set cA to true."
        if (!facts.IsCa)
        {
            problems.Add("signing certificate must have CA flag set to true");
        }

        // X509-SVID.md 4.3: "Signing certificates MUST set keyCertSign."
        var ku = facts.KeyUsage ?? NoKeyUsage;
        if ((ku & X509KeyUsageFlags.KeyCertSign) == 0)
        {
            problems.Add("signing certificate must have 'keyCertSign' set as key usage");
        }

        return problems;
    }

    private const X509KeyUsageFlags NoKeyUsage = X509KeyUsageFlags.None;
}
