using Mesh.Identity;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Ca;

/// <summary>One join token as the CA stores it: only its hash, the node it admits, and until when.</summary>
internal sealed record JoinTokenEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("expires")] DateTimeOffset Expires);

internal sealed record JoinTokenFile([property: JsonPropertyName("tokens")] List<JoinTokenEntry> Tokens);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JoinTokenFile))]
internal sealed partial class JoinTokenJsonContext : JsonSerializerContext;

/// <summary>
/// One-time join tokens for nodes outside Kubernetes (VMs), kept in <c>stateDir/join-tokens.json</c> as SHA-256 hashes
/// with the node they admit and an expiry. A token is exchanged once for the node's certificate; its first use binds it
/// to that request's key (<see cref="TokenUseLedger"/>), so a replay with any other key is refused.
/// </summary>
public static class JoinTokens
{
    internal const string FileName = "join-tokens.json";

    /// <summary>Makes a token for <paramref name="node"/> valid for <paramref name="ttl"/>; returns the token (shown once, never stored).</summary>
    public static string Create(string stateDir, string node, TimeSpan ttl, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        if (!NodeIds.IsValidName(node, out var error))
        {
            throw new ArgumentException($"invalid node name '{node}': {error}", nameof(node));
        }
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), "a join token's lifetime must be positive");
        }
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(token);
        Directory.CreateDirectory(stateDir);
        using (StateDirLock.Acquire(stateDir, StateDirLock.JoinTokens, TimeSpan.FromSeconds(10)))
        {
            var file = Read(stateDir);
            // Expired entries go when a new one is written; nothing else ever deletes one.
            file.Tokens.RemoveAll(t => t.Expires <= now);
            file.Tokens.Add(new JoinTokenEntry(hash[..12], hash, node, now, now + ttl));
            AtomicFile.Write(Path.Combine(stateDir, FileName), JsonSerializer.Serialize(file, JoinTokenJsonContext.Default.JoinTokenFile), ownerOnly: true);
        }
        return token;
    }

    /// <summary>The entry whose hash matches, compared in constant time against every entry; null when none does.</summary>
    internal static JoinTokenEntry? Find(string stateDir, string token)
    {
        var hash = Convert.FromHexString(Hash(token));
        JoinTokenEntry? match = null;
        foreach (var entry in Read(stateDir).Tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(entry.Sha256)))
            {
                match ??= entry;
            }
        }
        return match;
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static JoinTokenFile Read(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        if (!File.Exists(path))
        {
            return new JoinTokenFile([]);
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), JoinTokenJsonContext.Default.JoinTokenFile) ?? new JoinTokenFile([]);
        }
        catch (JsonException e)
        {
            // Fail closed: a damaged token file admits nobody, and says why.
            throw new InvalidOperationException($"{path} is not a valid join token file: {e.Message}", e);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
