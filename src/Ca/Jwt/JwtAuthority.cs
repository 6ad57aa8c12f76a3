using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Ca;

/// <summary>
/// The CA's JWT-SVID signing key (ECDSA P-256, ES256) in the state directory: created once, reused on every restart so
/// tokens already handed out and JWKS copies held by agents stay valid. Its key id is the base64url SHA-256 of the
/// SubjectPublicKeyInfo, so the same key always has the same kid.
/// </summary>
internal sealed partial class JwtAuthority : IDisposable
{
    internal const string KeyFileName = "jwt-key.pem";

    private readonly ECDsa _key;

    private JwtAuthority(ECDsa key)
    {
        _key = key;
        KeyId = KeyIdOf(key);
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256);
        Jwks = WriteJwks(key, KeyId);
    }

    internal string KeyId { get; }

    internal SigningCredentials SigningCredentials { get; }

    /// <summary>RFC 7517 JWK set with the public key, <c>use: jwt-svid</c> as the SPIFFE trust domain bundle format has it.</summary>
    internal string Jwks { get; }

    internal static JwtAuthority LoadOrCreate(string stateDir, ILogger logger)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, KeyFileName);
        var key = ECDsa.Create();
        try
        {
            if (File.Exists(path))
            {
                if (!OperatingSystem.IsWindows() &&
                    (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
                {
                    LogKeyFileTooOpen(logger, path);
                }
                key.ImportFromPem(File.ReadAllText(path));
                if (key.KeySize != 256)
                {
                    throw new InvalidOperationException($"{path} is not a P-256 key; JWT-SVIDs are signed ES256");
                }
                var authority = new JwtAuthority(key);
                LogLoaded(logger, authority.KeyId);
                return authority;
            }
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            WriteNewKey(path, key);
            var created = new JwtAuthority(key);
            LogCreated(logger, created.KeyId);
            return created;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    internal static string KeyIdOf(ECDsa key) => Base64UrlEncoder.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    public void Dispose() => _key.Dispose();

    private static void WriteNewKey(string path, ECDsa key)
    {
        // As RootAuthority: open(2) sets the mode, so the key is never readable by others, and CreateNew refuses a
        // planted file.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(key.ExportPkcs8PrivateKeyPem());
        writer.Write('\n');
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    private static string WriteJwks(ECDsa key, string kid)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            json.WriteStartObject();
            json.WriteString("kty", "EC");
            json.WriteString("kid", kid);
            json.WriteString("use", "jwt-svid");
            json.WriteString("crv", "P-256");
            json.WriteString("x", Base64UrlEncoder.Encode(p.Q.X!));
            json.WriteString("y", Base64UrlEncoder.Encode(p.Q.Y!));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Created JWT-SVID signing key {KeyId}")]
    private static partial void LogCreated(ILogger logger, string keyId);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "Loaded JWT-SVID signing key {KeyId}")]
    private static partial void LogLoaded(ILogger logger, string keyId);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "JWT signing key {Path} is readable or writable by group/others; it should be mode 0600")]
    private static partial void LogKeyFileTooOpen(ILogger logger, string path);
}
