using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Mesh.Identity.Tests.Verification.Limbo;

/// <summary>One x509-limbo testcase (limbo-schema.json), with the fields our path validation reads.</summary>
internal sealed record LimboCase(
    string Id,
    IReadOnlyList<string> Features,
    string ValidationKind,
    IReadOnlyList<string> TrustedCerts,
    IReadOnlyList<string> UntrustedIntermediates,
    string PeerCertificate,
    DateTimeOffset? ValidationTime,
    int? MaxChainDepth,
    bool ExpectSuccess)
{
    internal static IReadOnlyList<LimboCase> Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("testcases").EnumerateArray().Select(From).ToList();
    }

    internal X509Certificate2 Leaf() => X509Certificate2.CreateFromPem(PeerCertificate);

    internal X509Certificate2Collection Roots() => Collection(TrustedCerts);

    internal X509Certificate2Collection Intermediates() => Collection(UntrustedIntermediates);

    private static X509Certificate2Collection Collection(IEnumerable<string> pems)
    {
        var collection = new X509Certificate2Collection();
        foreach (var pem in pems)
        {
            collection.Add(X509Certificate2.CreateFromPem(pem));
        }

        return collection;
    }

    private static LimboCase From(JsonElement t) => new(
        t.GetProperty("id").GetString()!,
        Strings(t, "features"),
        t.GetProperty("validation_kind").GetString()!,
        Strings(t, "trusted_certs"),
        Strings(t, "untrusted_intermediates"),
        t.GetProperty("peer_certificate").GetString()!,
        t.TryGetProperty("validation_time", out var vt) && vt.ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(vt.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null,
        t.TryGetProperty("max_chain_depth", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : null,
        t.GetProperty("expected_result").GetString() == "SUCCESS");

    private static IReadOnlyList<string> Strings(JsonElement t, string name) =>
        t.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.GetString()!).ToList()
            : [];
}
