using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// Writes and signs a leaf's DER for one issuer certificate. Everything derived from the issuer
/// (its key, signature algorithm, name, authority key identifier) is computed once here rather
/// than per issuance, which is what <see cref="CertificateRequest.Create(X509Certificate2, DateTimeOffset, DateTimeOffset, byte[])"/> does.
/// </summary>
internal sealed class LeafSigner : IDisposable
{
    private static readonly HashAlgorithmName Hash = HashAlgorithmName.SHA256;

    private readonly AsymmetricAlgorithm _key;
    private readonly X509SignatureGenerator _generator;
    private readonly byte[] _signatureAlgorithm;
    private readonly byte[] _issuerName;
    private readonly X509Extension _authorityKeyIdentifier;

    internal LeafSigner(X509Certificate2 issuer)
    {
        Issuer = issuer;
        if (issuer.GetECDsaPrivateKey() is { } ec)
        {
            _key = ec;
            _generator = X509SignatureGenerator.CreateForECDsa(ec);
        }
        else if (issuer.GetRSAPrivateKey() is { } rsa)
        {
            _key = rsa;
            _generator = X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1);
        }
        else
        {
            throw new InvalidOperationException($"issuer {issuer.Subject} has no ECDSA or RSA private key");
        }

        _signatureAlgorithm = _generator.GetSignatureAlgorithmIdentifier(Hash);
        _issuerName = issuer.SubjectName.RawData;
        _authorityKeyIdentifier = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false);
    }

    /// <summary>The certificate this signer signs as; callers rebuild the signer when it changes.</summary>
    internal X509Certificate2 Issuer { get; }

    /// <summary>The DER of a signed X.509-SVID leaf (RFC 5280 4.1) for <paramref name="subjectPublicKeyInfo"/>.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> subjectPublicKeyInfo, PublicKey subjectKey, SpiffeId id,
        DateTimeOffset notBefore, DateTimeOffset notAfter, ReadOnlySpan<byte> serial)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.WriteInteger(2); // v3
            }

            tbs.WriteInteger(serial);
            tbs.WriteEncodedValue(_signatureAlgorithm);
            tbs.WriteEncodedValue(_issuerName);
            using (tbs.PushSequence())
            {
                WriteTime(tbs, notBefore);
                WriteTime(tbs, notAfter);
            }

            using (tbs.PushSequence())
            {
                // Empty subject (LeafTemplate says why).
            }

            tbs.WriteEncodedValue(subjectPublicKeyInfo);
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
            using (tbs.PushSequence())
            {
                foreach (var extension in LeafTemplate.Extensions(subjectKey, id, _authorityKeyIdentifier))
                {
                    WriteExtension(tbs, extension);
                }
            }
        }

        var tbsDer = tbs.Encode();
        var signature = _generator.SignData(tbsDer, Hash);
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(tbsDer);
            certificate.WriteEncodedValue(_signatureAlgorithm);
            certificate.WriteBitString(signature);
        }

        return certificate.Encode();
    }

    public void Dispose() => _key.Dispose();

    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        if (time.UtcDateTime.Year is >= 1950 and < 2050)
        {
            writer.WriteUtcTime(time);
        }
        else
        {
            writer.WriteGeneralizedTime(time, omitFractionalSeconds: true);
        }
    }

    private static void WriteExtension(AsnWriter writer, X509Extension extension)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(extension.Oid!.Value!);
            if (extension.Critical)
            {
                writer.WriteBoolean(true);
            }

            writer.WriteOctetString(extension.RawData);
        }
    }
}
