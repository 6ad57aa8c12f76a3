using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Ca;

internal sealed record TokenUse(
    [property: JsonPropertyName("credential")] string Credential,
    [property: JsonPropertyName("key_sha256")] string KeySha256,
    [property: JsonPropertyName("first_used")] DateTimeOffset FirstUsed,
    [property: JsonPropertyName("expires")] DateTimeOffset Expires);

internal sealed record TokenUseFile([property: JsonPropertyName("uses")] List<TokenUse> Uses);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(TokenUseFile))]
internal sealed partial class TokenUseJsonContext : JsonSerializerContext;

/// <summary>
/// Which bootstrap credential (join token, service-account token) was spent on which key, in
/// <c>stateDir/token-uses.json</c>. The first use binds a credential to the CSR's public key; the same key may retry
/// (a lost response must not strand the node), any other key is a replay. Entries live until the credential expires,
/// and survive restarts, so a restart does not reopen a replay window.
/// </summary>
internal sealed class TokenUseLedger(string stateDir)
{
    private const string FileName = "token-uses.json";

    /// <summary>Null when the use is allowed (and now recorded); otherwise the refusal reason.</summary>
    internal string? Bind(string credential, string keySha256, DateTimeOffset expires, DateTimeOffset now)
    {
        Directory.CreateDirectory(stateDir);
        using var _ = StateDirLock.Acquire(stateDir, StateDirLock.TokenUses, TimeSpan.FromSeconds(10));
        var path = Path.Combine(stateDir, FileName);
        var file = Read(path);
        var previous = file.Uses.Find(u => u.Credential == credential);
        if (previous is not null)
        {
            return previous.KeySha256 == keySha256
                ? null
                : $"token already used at {previous.FirstUsed:O} for another key (replay refused)";
        }
        file.Uses.RemoveAll(u => u.Expires <= now);
        file.Uses.Add(new TokenUse(credential, keySha256, now, expires));
        AtomicFile.Write(path, JsonSerializer.Serialize(file, TokenUseJsonContext.Default.TokenUseFile), ownerOnly: true);
        return null;
    }

    private static TokenUseFile Read(string path)
    {
        if (!File.Exists(path))
        {
            return new TokenUseFile([]);
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), TokenUseJsonContext.Default.TokenUseFile) ?? new TokenUseFile([]);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a valid token-use ledger: {e.Message}", e);
        }
    }
}
