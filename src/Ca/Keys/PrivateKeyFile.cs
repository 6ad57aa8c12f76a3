using System.Security.Cryptography;
using System.Text;

namespace Mesh.Ca;

/// <summary>
/// CA private keys on disk: PKCS#8 PEM, created with mode 0600, optionally encrypted
/// (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, which openssl reads with -passin).
/// </summary>
internal static class PrivateKeyFile
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256; paid once per key load, at startup or rotation.</summary>
    internal const int Pbkdf2Iterations = 600_000;

    private const string EncryptedLabel = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

    internal static void Write(string path, ECDsa key, string? passphrase)
    {
        var pem = passphrase is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(passphrase,
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Pbkdf2Iterations));

        // The mode is set by open(2) itself: creating then chmod-ing would leave a window in
        // which the key is readable by others. CreateNew also refuses to follow a planted file.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(pem + "\n"));
        stream.Flush(flushToDisk: true);
    }

    internal static bool IsEncrypted(string path) => File.ReadAllText(path).Contains(EncryptedLabel, StringComparison.Ordinal);

    /// <summary>Reads an ECDSA key; a missing or wrong passphrase is a <see cref="CaKeyException"/> naming the file.</summary>
    internal static ECDsa Read(string path, string? passphrase)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new CaKeyException($"cannot read private key {path}: {e.Message}", e);
        }

        var encrypted = pem.Contains(EncryptedLabel, StringComparison.Ordinal);
        if (encrypted && passphrase is null)
        {
            throw new CaKeyException($"{path} is encrypted; set keyPassphrase: {{file: <path>}} or {{env: <NAME>}} in the CA config");
        }

        var key = ECDsa.Create();
        try
        {
            if (encrypted)
            {
                key.ImportFromEncryptedPem(pem, passphrase);
            }
            else
            {
                key.ImportFromPem(pem);
            }

            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new CaKeyException(encrypted
                ? $"cannot decrypt {path}: the keyPassphrase is wrong ({e.Message})"
                : $"{path} is not an ECDSA private key in PEM (P-256/P-384): {e.Message}", e);
        }
    }
}
