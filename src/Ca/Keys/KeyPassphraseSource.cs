namespace Mesh.Ca;

/// <summary>
/// Where the passphrase for the CA's private keys comes from: <c>keyPassphrase: {file: path}</c>
/// or <c>{env: NAME}</c>. Only the reference is in the config; the secret is read at startup.
/// </summary>
public sealed record KeyPassphraseSource(string? FilePath, string? EnvironmentVariable)
{
    /// <summary>The passphrase; a missing file, unset variable or empty value is a <see cref="CaKeyException"/>.</summary>
    internal string Resolve()
    {
        string value;
        if (FilePath is not null)
        {
            try
            {
                // One trailing newline is what `echo secret > file` adds; it is not part of the secret.
                value = File.ReadAllText(FilePath).TrimEnd('\n').TrimEnd('\r');
            }
            catch (IOException e)
            {
                throw new CaKeyException($"keyPassphrase: cannot read {FilePath}: {e.Message}", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CaKeyException($"keyPassphrase: cannot read {FilePath}: {e.Message}", e);
            }
        }
        else
        {
            value = Environment.GetEnvironmentVariable(EnvironmentVariable!) ?? string.Empty;
            if (value.Length == 0)
            {
                throw new CaKeyException($"keyPassphrase: environment variable {EnvironmentVariable} is not set or empty");
            }
        }

        return value.Length > 0 ? value : throw new CaKeyException($"keyPassphrase: {FilePath} is empty");
    }
}
