using System.Text.Json;
using Mesh.Agent.Authn;
using Xunit.Abstractions;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// Wycheproof's JSON Web Signature vectors (json_web_signature_test.json) at the signature layer, <see cref="JwsVerifier"/>:
/// every compact-serialization vector our verifier can take is run and must agree with Wycheproof's verdict. The rest
/// are skipped by a named reason and counted, so nothing drops silently.
/// </summary>
public sealed class WycheproofJwsTests(ITestOutputHelper output)
{
    private const string Hmac = "HMAC (HS*) key: shared secrets are never accepted, so there is no public key to verify with";
    private const string JsonSerialization = "JWS JSON serialization: the agent reads compact tokens only";
    private const string NoPublicKey = "the group has no public key";

    // RFC 7520's examples verify a PS384 token with a key marked "alg": "PS256" (and ES512 with "ES521"). We bind a key
    // to its "alg" as Envoy's jwt_verify_lib does, so we refuse these on purpose; they are counted, not hidden.
    private const string KeyAlgBinding = "valid per Wycheproof, refused by our policy: the key's \"alg\" names another algorithm";

    [SkippableFact]
    public void Every_compact_vector_with_a_public_key_gets_wycheproofs_verdict()
    {
        var path = SharedTestData.Require("pki", "wycheproof", "json_web_signature_test.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var skipped = new Dictionary<string, int>();
        var refused = new Dictionary<string, int>();
        var disagreements = new List<string>();
        var agreed = 0;
        foreach (var group in document.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            var keys = group.TryGetProperty("public", out var key) ? JwksKeySet.FromKey(key.GetRawText()) : null;
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                var skip = test.GetProperty("jws").ValueKind != JsonValueKind.String ? JsonSerialization
                    : keys is null ? (group.GetProperty("private").GetProperty("kty").GetString() == "oct" ? Hmac : NoPublicKey)
                    : null;
                if (skip is not null)
                {
                    skipped[skip] = skipped.GetValueOrDefault(skip) + 1;
                    continue;
                }

                var expected = test.GetProperty("result").GetString() == "valid";
                var result = JwsVerifier.Verify(test.GetProperty("jws").GetString()!, JwsAlgorithms.Default, keys!);
                if (expected && key.TryGetProperty("alg", out var keyAlg) && JwsVerifier.ReadHeader(test.GetProperty("jws").GetString()!).Header?.Alg is { } alg
                    && alg != keyAlg.GetString())
                {
                    Assert.Null(result.Verified);
                    refused[KeyAlgBinding] = refused.GetValueOrDefault(KeyAlgBinding) + 1;
                    continue;
                }

                if ((result.Verified is not null) == expected)
                {
                    agreed++;
                }
                else
                {
                    disagreements.Add($"tcId {test.GetProperty("tcId")} ({test.GetProperty("comment")}): Wycheproof says {test.GetProperty("result")}, we said {result.Failure?.Detail ?? "valid"}");
                }
            }
        }

        output.WriteLine($"agreed {agreed}, disagreed {disagreements.Count}, skipped {skipped.Values.Sum()}, deliberately refused {refused.Values.Sum()}");
        foreach (var (reason, count) in skipped)
        {
            output.WriteLine($"  skipped {count}: {reason}");
        }

        foreach (var (reason, count) in refused)
        {
            output.WriteLine($"  deliberately refused {count}: {reason}");
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        // Pinned so that a change in what is run shows up: 401 vectors in the file.
        Assert.Equal(401, agreed + skipped.Values.Sum() + refused.Values.Sum());
        Assert.Equal(new Dictionary<string, int> { [Hmac] = 40 }, skipped);
        Assert.Equal(new Dictionary<string, int> { [KeyAlgBinding] = 4 }, refused);
        Assert.True(agreed >= 300, $"only {agreed} vectors ran");
    }
}
