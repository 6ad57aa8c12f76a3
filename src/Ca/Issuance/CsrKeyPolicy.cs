using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace Mesh.Ca;

/// <summary>
/// Which public keys the CA signs for, decided from the SubjectPublicKeyInfo's DER alone so that
/// no key has to be decoded to refuse one: ECDSA on P-256 or P-384, or RSA of at least 2048 bits.
/// </summary>
internal static class CsrKeyPolicy
{
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";
    internal const string RsaOid = "1.2.840.113549.1.1.1";
    internal const int MinRsaBits = 2048;
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string P384Oid = "1.3.132.0.34";

    /// <summary>Null when the key is accepted (and matches the signature algorithm); else the reason.</summary>
    internal static string? Check(ReadOnlyMemory<byte> spki, CsrSignatureAlgorithm signature)
    {
        try
        {
            var reader = new AsnReader(spki, AsnEncodingRules.DER).ReadSequence();
            var algorithm = reader.ReadSequence();
            var keyOid = algorithm.ReadObjectIdentifier();
            var keyBits = reader.ReadBitString(out _);
            reader.ThrowIfNotEmpty();
            return keyOid switch
            {
                EcPublicKeyOid => CheckEc(algorithm, signature),
                RsaOid => CheckRsa(keyBits, signature),
                _ => $"csr key algorithm {new Oid(keyOid).FriendlyName ?? keyOid} is not accepted; use ECDSA P-256/P-384 or RSA >= {MinRsaBits}",
            };
        }
        catch (AsnContentException ex)
        {
            return $"csr is malformed: subjectPublicKeyInfo: {ex.Message}";
        }
    }

    private static string? CheckEc(AsnReader algorithm, CsrSignatureAlgorithm signature)
    {
        // RFC 5480 2.1.1: namedCurve OID; explicit parameters (a SEQUENCE) are refused, as before.
        string? curve = algorithm.HasData && algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)
            ? algorithm.ReadObjectIdentifier()
            : null;
        if (curve is not (P256Oid or P384Oid))
        {
            var name = curve is null ? "(explicit parameters)" : new Oid(curve).FriendlyName ?? curve;
            return $"csr key uses ECDSA curve {name}; only P-256 and P-384 are accepted";
        }

        return signature.IsEcdsa ? null : $"csr is signed with {signature.Oid}, which is not an ECDSA algorithm, but its key is ECDSA";
    }

    private static string? CheckRsa(ReadOnlySpan<byte> keyBits, CsrSignatureAlgorithm signature)
    {
        // RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
        var key = new AsnReader(keyBits.ToArray(), AsnEncodingRules.DER).ReadSequence();
        var modulus = key.ReadInteger();
        var bits = modulus.Sign > 0 ? (int)modulus.GetBitLength() : 0;
        if (bits < MinRsaBits)
        {
            return $"csr RSA key is {bits} bits; at least {MinRsaBits} are required";
        }

        return signature.IsEcdsa ? $"csr is signed with {signature.Oid}, an ECDSA algorithm, but its key is RSA" : null;
    }
}
