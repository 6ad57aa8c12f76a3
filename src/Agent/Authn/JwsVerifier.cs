using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.Authn;

/// <summary>
/// Verifies a compact JWS (RFC 7515 7.1) against a JWKS: the signature layer only, so it knows nothing of claims.
/// Our policy decides what is accepted (three canonical base64url segments, the header allow-list of
/// <see cref="JwsHeader"/>, an allowed asymmetric <c>alg</c>, a key whose type, curve, use and alg fit); the
/// signature arithmetic is Microsoft.IdentityModel's.
/// </summary>
internal static class JwsVerifier
{
    /// <summary>The outcome: a verified JWS, or why not; <see cref="UnknownKid"/> is set when the kid is absent from the set.</summary>
    internal sealed record Result(VerifiedJws? Verified, JwtFailure? Failure, string? UnknownKid = null);

    /// <summary>Parses the header only (no signature check): which key id the token names, to pick or refresh a JWKS.</summary>
    public static (JwsHeader? Header, JwtFailure? Failure) ReadHeader(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || Base64UrlStrict.Decode(token.AsSpan(0, dot)) is not { } bytes)
        {
            return (null, JwtFailure.Malformed("the header segment is not base64url"));
        }

        return JwsHeader.Parse(bytes);
    }

    public static Result Verify(string token, IReadOnlyCollection<string> allowedAlgorithms, JwksKeySet keys)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return Fail(JwtFailure.Malformed($"{parts.Length} segments instead of 3"));
        }

        if (parts[0].Length == 0 || parts[2].Length == 0)
        {
            return Fail(JwtFailure.Malformed(parts[0].Length == 0 ? "the header segment is empty" : "the signature segment is empty"));
        }

        if (Base64UrlStrict.Decode(parts[0]) is not { } headerBytes
            || Base64UrlStrict.Decode(parts[1]) is not { } payload
            || Base64UrlStrict.Decode(parts[2]) is not { } signature)
        {
            return Fail(JwtFailure.Malformed("a segment is not canonical base64url (RFC 7515: no padding, no whitespace)"));
        }

        var (header, headerFailure) = JwsHeader.Parse(headerBytes);
        if (header is null)
        {
            return Fail(headerFailure!);
        }

        if (!JwsAlgorithms.IsSupported(header.Alg) || !allowedAlgorithms.Contains(header.Alg))
        {
            return Fail(JwtFailure.Algorithm(JwsAlgorithms.Refusal(header.Alg) ?? $"'{header.Alg}' is not in this issuer's allowed algorithms ({string.Join(", ", allowedAlgorithms)})"));
        }

        if (header.Kid is { } kid && !keys.HasKid(kid))
        {
            return new Result(null, JwtFailure.NoKey($"no key with kid '{kid}' in the JWKS"), kid);
        }

        var candidates = keys.Candidates(header.Alg, header.Kid).ToList();
        if (candidates.Count == 0)
        {
            return Fail(JwtFailure.NoKey($"no key in the JWKS verifies {header.Alg}{(header.Kid is null ? "" : $" with kid '{header.Kid}'")}"));
        }

        var signed = Encoding.ASCII.GetBytes(token, 0, parts[0].Length + 1 + parts[1].Length);
        foreach (var key in candidates)
        {
            if (SignatureHolds(key, header.Alg, signed, signature))
            {
                return new Result(new VerifiedJws(header.Alg, header.Kid, payload, parts[1]), null);
            }
        }

        return Fail(JwtFailure.Signature($"the {header.Alg} signature does not verify with {(candidates.Count == 1 ? "the key" : $"any of {candidates.Count} keys")}"));
    }

    private static bool SignatureHolds(JsonWebKey key, string alg, byte[] signed, byte[] signature)
    {
        if (alg == "EdDSA")
        {
            return Ed25519Holds(key, signed, signature);
        }
        var factory = CryptoProviderFactory.Default;
        SignatureProvider? provider = null;
        try
        {
            provider = factory.CreateForVerifying(key, alg);
            return provider.Verify(signed, signature);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or CryptographicException or InvalidOperationException or SecurityTokenException)
        {
            // A key the library cannot use (too small, bad parameters) verifies nothing.
            return false;
        }
        finally
        {
            if (provider is not null)
            {
                factory.ReleaseSignatureProvider(provider);
            }
        }
    }

    /// <summary>
    /// Ed25519 (RFC 8037) through BouncyCastle: Microsoft.IdentityModel and .NET have no EdDSA. The public key is the
    /// JWK's <c>x</c>, exactly 32 bytes; a signature is exactly 64.
    /// </summary>
    private static bool Ed25519Holds(JsonWebKey key, byte[] signed, byte[] signature)
    {
        if (key.X is null || Base64UrlStrict.Decode(key.X) is not { Length: 32 } x || signature.Length != 64)
        {
            return false;
        }
        try
        {
            var verifier = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
            verifier.Init(forSigning: false, new Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters(x));
            verifier.BlockUpdate(signed, 0, signed.Length);
            return verifier.VerifySignature(signature);
        }
        catch (ArgumentException)
        {
            // Not a point on the curve: it verifies nothing.
            return false;
        }
    }

    private static Result Fail(JwtFailure failure) => new(null, failure);
}
