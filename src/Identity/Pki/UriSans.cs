using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>
/// Reads URI SANs, which <see cref="X509SubjectAlternativeNameExtension"/> does not expose.
/// </summary>
internal static class UriSans
{
    internal const string SubjectAltNameOid = "2.5.29.17";

    // RFC 5280 4.2.1.6: GeneralName ::= CHOICE { ... uniformResourceIdentifier [6] IA5String ... }
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>
    /// A SAN extension holding exactly the ID's text. <see cref="SubjectAlternativeNameBuilder.AddUri"/>
    /// goes through <see cref="Uri"/>, which turns "spiffe://td" into "spiffe://td/" — an ID
    /// SPIFFE forbids ("path cannot have a trailing slash") — so we encode it ourselves.
    /// </summary>
    internal static X509Extension Build(SpiffeId id, bool critical)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, id.ToString(), UriTag);
        }

        return new X509Extension(SubjectAltNameOid, writer.Encode(), critical);
    }

    /// <summary>All URI SANs, or an error if the extension is repeated or malformed.</summary>
    internal static (IReadOnlyList<string> Uris, string? Error) Read(X509Certificate2 cert)
    {
        var sans = cert.Extensions.Where(e => e.Oid?.Value == SubjectAltNameOid).ToList();
        if (sans.Count == 0)
        {
            return ([], null);
        }

        if (sans.Count > 1)
        {
            // RFC 5280 4.2: "A certificate MUST NOT include more than one instance of a particular extension."
            return ([], "certificate contains more than one subjectAltName extension");
        }

        try
        {
            var uris = new List<string>();
            var reader = new AsnReader(sans[0].RawData, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(UriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }

            return (uris, null);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return ([], $"malformed subjectAltName extension: {ex.Message}");
        }
    }
}
