using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Ca;

/// <summary>One line of the issuance audit log; refusals are recorded as well as grants.</summary>
internal sealed record AuditRecord(
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("peer")] string? Peer,
    [property: JsonPropertyName("auth_method")] string? AuthMethod,
    [property: JsonPropertyName("caller")] string? Caller,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("requested_identity")] string RequestedIdentity,
    [property: JsonPropertyName("granted_identity")] string? GrantedIdentity,
    [property: JsonPropertyName("result")] string Result,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("refusal_reason")] string? RefusalReason,
    [property: JsonPropertyName("serial")] string? Serial,
    [property: JsonPropertyName("not_after")] DateTimeOffset? NotAfter,
    [property: JsonPropertyName("public_key_sha256")] string? PublicKeySha256)
{
    /// <summary>"jwt-svid" for JWT-SVID requests; absent for X.509-SVIDs.</summary>
    [JsonPropertyName("kind")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonPropertyName("audience")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Audience { get; init; }

    [JsonPropertyName("jti")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Jti { get; init; }
}

/// <summary>Source-generated serialization: no reflection (NativeAOT-safe), nulls written as null.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;

/// <summary>Append-only JSON-lines audit file.</summary>
internal sealed class AuditLog : IDisposable
{
    // Guards _writer: gRPC calls run concurrently and each record must land as one whole line.
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;

    internal AuditLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            // It names nodes and identities; not secret, but not for every local user either.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // mesh ca issue appends to the same file while the CA runs: each record is one write(2) of a whole line.
        _writer = new StreamWriter(new FileStream(path, options), bufferSize: 64 * 1024) { AutoFlush = true };
    }

    internal void Write(AuditRecord record)
    {
        var line = JsonSerializer.Serialize(record, AuditJsonContext.Default.AuditRecord);
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}
