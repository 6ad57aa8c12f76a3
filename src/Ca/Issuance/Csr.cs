using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Ca;

/// <summary>
/// A PKCS#10 request as read from the wire, before its self-signature is checked: the bytes that
/// were signed, the signature, and the one thing the CA takes from it, the public key.
/// </summary>
internal sealed class Csr
{
    internal Csr(ReadOnlyMemory<byte> signedInfo, byte[] signature, CsrSignatureAlgorithm algorithm, byte[] subjectPublicKeyInfo, PublicKey publicKey)
    {
        SignedInfo = signedInfo;
        Signature = signature;
        Algorithm = algorithm;
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
        PublicKey = publicKey;
    }

    /// <summary>The DER of CertificationRequestInfo: what the caller's key signed.</summary>
    internal ReadOnlyMemory<byte> SignedInfo { get; }

    internal byte[] Signature { get; }

    internal CsrSignatureAlgorithm Algorithm { get; }

    /// <summary>The DER SubjectPublicKeyInfo exactly as the caller sent it; it goes into the leaf byte for byte.</summary>
    internal byte[] SubjectPublicKeyInfo { get; }

    internal PublicKey PublicKey { get; }

    /// <summary>
    /// Proof of possession: the request's signature checks with <paramref name="key"/>, which the
    /// caller decoded from <see cref="SubjectPublicKeyInfo"/> (here or from a certificate carrying it).
    /// </summary>
    internal bool VerifySignature(AsymmetricAlgorithm? key) => key switch
    {
        ECDsa ec when Algorithm.IsEcdsa =>
            ec.VerifyData(SignedInfo.Span, Signature, Algorithm.Hash, DSASignatureFormat.Rfc3279DerSequence),
        RSA rsa when !Algorithm.IsEcdsa =>
            rsa.VerifyData(SignedInfo.Span, Signature, Algorithm.Hash, RSASignaturePadding.Pkcs1),
        _ => false,
    };

    /// <summary>Decodes the key (the expensive step on OpenSSL 3.0, ~100 µs) for a standalone signature check.</summary>
    internal AsymmetricAlgorithm ImportKey()
    {
        AsymmetricAlgorithm key = Algorithm.IsEcdsa ? ECDsa.Create() : RSA.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(SubjectPublicKeyInfo, out _);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}

/// <summary>The request signature algorithms the CA accepts: ECDSA or RSA PKCS#1 v1.5, with SHA-2.</summary>
internal sealed record CsrSignatureAlgorithm(string Oid, bool IsEcdsa, HashAlgorithmName Hash)
{
    private static readonly CsrSignatureAlgorithm[] Known =
    [
        new("1.2.840.10045.4.3.2", true, HashAlgorithmName.SHA256),
        new("1.2.840.10045.4.3.3", true, HashAlgorithmName.SHA384),
        new("1.2.840.10045.4.3.4", true, HashAlgorithmName.SHA512),
        new("1.2.840.113549.1.1.11", false, HashAlgorithmName.SHA256),
        new("1.2.840.113549.1.1.12", false, HashAlgorithmName.SHA384),
        new("1.2.840.113549.1.1.13", false, HashAlgorithmName.SHA512),
    ];

    internal static CsrSignatureAlgorithm? Find(string oid) => Array.Find(Known, a => a.Oid == oid);
}
