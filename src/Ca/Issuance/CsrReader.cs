using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Ca;

/// <summary>
/// Turns a caller's PEM CSR into the one thing we take from it: a public key of an accepted
/// algorithm and size. Everything else in the CSR (subject, SANs, extensions) is dropped.
/// </summary>
internal static class CsrReader
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const int MinRsaBits = 2048;

    internal static CsrResult Read(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return new CsrResult.Rejected("csr is empty");
        }

        CertificateRequest request;
        try
        {
            // Default options verify the CSR's self-signature (proof the caller holds the key)
            // and do not load its extensions, so a CSR cannot smuggle SANs or CA flags into the leaf.
            request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            return new CsrResult.Rejected($"csr is malformed or its signature does not verify: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            return new CsrResult.Rejected($"csr is malformed: {ex.Message}");
        }

        var key = request.PublicKey;
        var keyError = CheckKey(key);
        return keyError is null ? new CsrResult.Accepted(key) : new CsrResult.Rejected(keyError);
    }

    private static string? CheckKey(PublicKey key)
    {
        switch (key.Oid.Value)
        {
            case EcPublicKeyOid:
            {
                using var ec = key.GetECDsaPublicKey();
                var curve = ec?.ExportParameters(false).Curve;
                var name = curve?.Oid.FriendlyName ?? curve?.Oid.Value;
                return curve?.Oid.Value is "1.2.840.10045.3.1.7" or "1.3.132.0.34"
                    ? null
                    : $"csr key uses ECDSA curve {name ?? "(explicit parameters)"}; only P-256 and P-384 are accepted";
            }

            case RsaOid:
            {
                using var rsa = key.GetRSAPublicKey();
                var bits = rsa?.KeySize ?? 0;
                return bits >= MinRsaBits ? null : $"csr RSA key is {bits} bits; at least {MinRsaBits} are required";
            }

            default:
                return $"csr key algorithm {key.Oid.FriendlyName ?? key.Oid.Value} is not accepted; use ECDSA P-256/P-384 or RSA >= 2048";
        }
    }
}

/// <summary>Closed outcome of reading a CSR.</summary>
internal abstract record CsrResult
{
    private CsrResult()
    {
    }

    internal sealed record Accepted(PublicKey Key) : CsrResult;

    internal sealed record Rejected(string Reason) : CsrResult;
}
