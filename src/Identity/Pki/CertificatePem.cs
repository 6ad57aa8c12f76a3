using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>PEM helpers shared by the bundle, the client and the CA.</summary>
public static class CertificatePem
{
    /// <summary>Every CERTIFICATE block in <paramref name="pem"/>; other block types are ignored.</summary>
    /// <exception cref="FormatException">A certificate block does not decode.</exception>
    public static X509Certificate2Collection ReadAll(string pem)
    {
        var result = new X509Certificate2Collection();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                try
                {
                    // The platform loader ignores bytes after the certificate; go-spiffe (via
                    // crypto/x509) rejects them, and so do we, so both sides agree on a bundle.
                    AsnDecoder.ReadEncodedValue(der, AsnEncodingRules.DER, out _, out _, out var consumed);
                    if (consumed != der.Length)
                    {
                        throw new FormatException("cannot parse certificate: x509: trailing data");
                    }

                    result.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (Exception ex) when (ex is CryptographicException or AsnContentException)
                {
                    throw new FormatException($"cannot parse certificate: {ex.Message}", ex);
                }
            }

            rest = rest[fields.Location.End..];
        }

        return result;
    }

    /// <summary>True when the text holds at least one PEM block of any type.</summary>
    internal static bool HasPemBlock(string pem) => PemEncoding.TryFind(pem, out _);

    public static string Write(X509Certificate2 cert) => cert.ExportCertificatePem() + "\n";
}
