using System.Text;
using Mesh.Agent.Authn;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Mesh.Agent.Tests.Authn;

/// <summary>EdDSA (RFC 8037, Ed25519) at the signature layer: the RFC's own example, fresh keys, and what must be refused.</summary>
public sealed class EdDsaTests
{
    // RFC 8037 appendix A.1 (public key) and A.4 (the JWS "Example of Ed25519 Signing" over the payload "Example of Ed25519 signing").
    private const string RfcJwk = """{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""";
    private const string RfcToken =
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    private static readonly string[] EdDsaOnly = ["EdDSA"];

    [Fact]
    public void The_RFC_8037_example_verifies_and_any_changed_byte_does_not()
    {
        var keys = JwksKeySet.FromKey(RfcJwk);

        var good = JwsVerifier.Verify(RfcToken, EdDsaOnly, keys);
        var tampered = JwsVerifier.Verify(RfcToken[..^2] + (RfcToken[^2] == 'A' ? "BA" : "AA")[..1] + RfcToken[^1], EdDsaOnly, keys);

        Assert.Null(good.Failure);
        Assert.Equal("Example of Ed25519 signing", Encoding.UTF8.GetString(good.Verified!.Payload));
        Assert.NotNull(tampered.Failure);
    }

    [Fact]
    public void A_fresh_key_verifies_its_own_tokens_and_not_another_keys()
    {
        var (token, jwk) = Sign("""{"iss":"https://issuer","sub":"alice"}""");
        var (_, otherJwk) = Sign("{}");

        Assert.Null(JwsVerifier.Verify(token, EdDsaOnly, JwksKeySet.FromKey(jwk)).Failure);
        Assert.NotNull(JwsVerifier.Verify(token, EdDsaOnly, JwksKeySet.FromKey(otherJwk)).Failure);
    }

    [Fact]
    public void EdDSA_is_refused_where_the_issuer_does_not_allow_it_and_with_a_key_of_another_curve()
    {
        var (token, jwk) = Sign("{}");
        var ed448 = jwk.Replace("Ed25519", "Ed448", StringComparison.Ordinal);

        Assert.NotNull(JwsVerifier.Verify(token, ["ES256"], JwksKeySet.FromKey(jwk)).Failure);
        Assert.NotNull(JwsVerifier.Verify(token, EdDsaOnly, JwksKeySet.FromKey(ed448)).Failure);
        Assert.Contains("EdDSA", JwsAlgorithms.Default);
    }

    private static (string Token, string Jwk) Sign(string payloadJson)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var header = B64("""{"alg":"EdDSA","typ":"JWT"}"""u8.ToArray());
        var payload = B64(Encoding.UTF8.GetBytes(payloadJson));
        var signer = new Ed25519Signer();
        signer.Init(true, pair.Private);
        var input = Encoding.ASCII.GetBytes(header + "." + payload);
        signer.BlockUpdate(input, 0, input.Length);
        var signature = B64(signer.GenerateSignature());
        var x = B64(((Ed25519PublicKeyParameters)pair.Public).GetEncoded());
        return ($"{header}.{payload}.{signature}", $$"""{"kty":"OKP","crv":"Ed25519","x":"{{x}}"}""");
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
