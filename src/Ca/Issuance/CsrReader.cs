using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// Turns a caller's PEM CSR into the one thing we take from it: a public key of an accepted
/// algorithm and size, proven held by the caller. Subject, extensions and attributes never reach
/// the leaf; the subjectAltName, when present, must name only the requested identity.
/// </summary>
internal static class CsrReader
{
    // RFC 2985 5.4.2: extensionRequest attribute.
    private const string ExtensionRequestOid = "1.2.840.113549.1.9.14";

    internal const string BadSignature = "csr signature does not verify: the caller must sign the request with the key it asks a certificate for";

    /// <summary>Parse, check the key, the SANs against <paramref name="expectedIdentity"/> (when given) and the self-signature.</summary>
    internal static CsrResult Read(string? pem, SpiffeId? expectedIdentity = null)
    {
        switch (Parse(pem, expectedIdentity))
        {
            case CsrParse.Rejected rejected:
                return new CsrResult.Rejected(rejected.Reason);
            case CsrParse.Parsed parsed:
                var csr = parsed.Csr;
                try
                {
                    using var key = csr.ImportKey();
                    return csr.VerifySignature(key)
                        ? new CsrResult.Accepted(csr.PublicKey)
                        : new CsrResult.Rejected(BadSignature);
                }
                catch (CryptographicException ex)
                {
                    return new CsrResult.Rejected($"csr public key is not valid: {ex.Message}");
                }

            default:
                throw new InvalidOperationException("unreachable: CsrParse is closed");
        }
    }

    /// <summary>
    /// Everything <see cref="Read"/> checks except the self-signature, which needs the key decoded:
    /// a caller that decodes it anyway (the issuer, from the leaf it signed) checks it with
    /// <see cref="Csr.VerifySignature"/> and must refuse when that fails.
    /// </summary>
    internal static CsrParse Parse(string? pem, SpiffeId? expectedIdentity)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return new CsrParse.Rejected("csr is empty");
        }

        var der = Unpem(pem, out var pemError);
        if (der is null)
        {
            return new CsrParse.Rejected(pemError!);
        }

        try
        {
            return ParseDer(der, expectedIdentity);
        }
        catch (AsnContentException ex)
        {
            return new CsrParse.Rejected($"csr is malformed: {ex.Message}");
        }
    }

    private static byte[]? Unpem(string pem, out string? error)
    {
        error = null;
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            error = "csr is malformed: no PEM block found (expected -----BEGIN CERTIFICATE REQUEST-----)";
            return null;
        }

        var label = pem.AsSpan()[fields.Label];
        if (!label.SequenceEqual("CERTIFICATE REQUEST") && !label.SequenceEqual("NEW CERTIFICATE REQUEST"))
        {
            error = $"csr is malformed: PEM block is \"{label}\", expected \"CERTIFICATE REQUEST\"";
            return null;
        }

        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out var written) || written != der.Length)
        {
            error = "csr is malformed: PEM body is not base64";
            return null;
        }

        return der;
    }

    private static CsrParse ParseDer(byte[] der, SpiffeId? expectedIdentity)
    {
        // RFC 2986 4: CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var request = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var info = request.ReadEncodedValue();
        var signatureAlgorithm = request.ReadSequence();
        var signatureOid = signatureAlgorithm.ReadObjectIdentifier();
        var signature = request.ReadBitString(out _);
        request.ThrowIfNotEmpty();

        var algorithm = CsrSignatureAlgorithm.Find(signatureOid);
        if (algorithm is null)
        {
            var name = new Oid(signatureOid).FriendlyName ?? signatureOid;
            return new CsrParse.Rejected($"csr signature algorithm {name} is not accepted; sign with ECDSA or RSA PKCS#1 v1.5 and SHA-256/384/512");
        }

        // CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name, subjectPKInfo, attributes [0] Attributes }
        var body = new AsnReader(info, AsnEncodingRules.DER).ReadSequence();
        if (!body.TryReadInt32(out var version) || version != 0)
        {
            return new CsrParse.Rejected("csr is malformed: version must be v1 (0)");
        }

        body.ReadSequence(); // subject: ignored, the CA writes an empty one
        var spki = body.ReadEncodedValue();
        var attributes = body.HasData ? body.ReadSetOf(skipSortOrderValidation: true, new Asn1Tag(TagClass.ContextSpecific, 0)) : null;
        body.ThrowIfNotEmpty();

        var keyError = CsrKeyPolicy.Check(spki, algorithm);
        if (keyError is not null)
        {
            return new CsrParse.Rejected(keyError);
        }

        if (expectedIdentity is not null && attributes is not null)
        {
            var sanError = CheckSans(attributes, expectedIdentity);
            if (sanError is not null)
            {
                return new CsrParse.Rejected(sanError);
            }
        }

        var spkiBytes = spki.ToArray();
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(spkiBytes, out _);
        return new CsrParse.Parsed(new Csr(info, signature, algorithm, spkiBytes, publicKey));
    }

    private static string? CheckSans(AsnReader attributes, SpiffeId expected)
    {
        ReadOnlyMemory<byte>? san = null;
        var extensionRequests = 0;
        while (attributes.HasData)
        {
            // Attribute ::= SEQUENCE { type OID, values SET OF ANY }
            var attribute = attributes.ReadSequence();
            if (attribute.ReadObjectIdentifier() != ExtensionRequestOid)
            {
                continue;
            }

            if (++extensionRequests > 1)
            {
                return "csr has more than one extensionRequest attribute";
            }

            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            var extensions = values.ReadSequence();
            values.ThrowIfNotEmpty();
            while (extensions.HasData)
            {
                // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    extension.ReadBoolean();
                }

                var value = extension.ReadOctetString();
                extension.ThrowIfNotEmpty();
                if (oid != CsrSans.SubjectAltNameOid)
                {
                    continue;
                }

                if (san is not null)
                {
                    // RFC 5280 4.2: "A certificate MUST NOT include more than one instance of a particular extension."
                    return "csr requests more than one subjectAltName extension";
                }

                san = value;
            }
        }

        return san is { } names ? CsrSans.Check(names, expected) : null;
    }
}

/// <summary>Closed outcome of reading a CSR, signature checked.</summary>
internal abstract record CsrResult
{
    private CsrResult()
    {
    }

    internal sealed record Accepted(PublicKey Key) : CsrResult;

    internal sealed record Rejected(string Reason) : CsrResult;
}

/// <summary>Closed outcome of <see cref="CsrReader.Parse"/>: everything but the signature checked.</summary>
internal abstract record CsrParse
{
    private CsrParse()
    {
    }

    internal sealed record Parsed(Csr Csr) : CsrParse;

    internal sealed record Rejected(string Reason) : CsrParse;
}
