using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The X.509-SVID leaf's extensions: identity comes from the CA, only the public key from the
/// caller. Pure; <see cref="LeafSigner"/> puts them into the TBSCertificate.
/// </summary>
internal static class LeafTemplate
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    // X509-SVID.md 4.1: "leaf certificates MUST set the cA field to false".
    private static readonly X509Extension BasicConstraints = new X509BasicConstraintsExtension(false, false, 0, critical: true);

    // X509-SVID.md 4.3: digitalSignature MUST be set; keyCertSign and cRLSign MUST NOT.
    private static readonly X509Extension KeyUsage = new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true);

    // X509-SVID.md 4.4: when EKU is present, serverAuth and clientAuth MUST both be set.
    private static readonly X509Extension ExtendedKeyUsage = new X509EnhancedKeyUsageExtension(
        [new Oid(ServerAuthOid), new Oid(ClientAuthOid)], critical: false);

    /// <summary>
    /// The subject is empty: X509-SVID.md 2 says it is not used for identity, so we put nothing a
    /// relying party could mistake for one; RFC 5280 4.1.2.6 then requires the SAN to be critical.
    /// </summary>
    internal static X509Extension[] Extensions(PublicKey subjectKey, SpiffeId id, X509Extension authorityKeyIdentifier) =>
    [
        BasicConstraints,
        KeyUsage,
        ExtendedKeyUsage,

        // X509-SVID.md 2: "An X.509 SVID MUST contain exactly one URI SAN".
        UriSans.Build(id, critical: true),
        new X509SubjectKeyIdentifierExtension(subjectKey, critical: false),
        authorityKeyIdentifier,
    ];
}
