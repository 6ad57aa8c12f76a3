using System.Globalization;

namespace Mesh.Agent.Config;

/// <summary>Validates the decisionLog section, adding every problem to the loader's list.</summary>
internal static class DecisionLogConfig
{
    /// <summary>Smaller segments would rotate every few records (a record is ~0.5-1 KiB).</summary>
    public const long MinMaxBytes = 64 * 1024;

    /// <summary>A shorter HMAC key is guessable; RFC 2104 recommends at least the hash's output length.</summary>
    public const int MinKeyBytes = 32;

    public static (string? Path, DecisionLogSettings Settings) Read(string configPath, AgentConfigFile.DecisionLogSection? section, List<string> errors)
    {
        var settings = new DecisionLogSettings();
        if (section?.Path is not { Length: > 0 } path)
        {
            errors.Add("decisionLog: required (the file the authorization decision log is appended to, or a mapping with path, maxBytes, keep, onFailure, hmacKeyFile, redact)");
            return (null, settings);
        }

        return (ConfigFiles.Resolve(configPath, path), settings with
        {
            MaxBytes = ReadSize(section.MaxBytes, errors),
            Keep = ReadKeep(section.Keep, errors),
            OnFailure = ReadMode(section.OnFailure, errors),
            HmacKey = ReadKey(configPath, section.HmacKeyFile, errors),
            RedactHash = section.RedactHash,
            RedactDrop = section.RedactDrop,
        });
    }

    /// <summary>Bytes, or with a binary suffix: 65536, 512Ki, 100Mi, 1Gi; 0 never rotates.</summary>
    private static long ReadSize(string? text, List<string> errors)
    {
        if (text is null)
        {
            return Mesh.Policy.DecisionLogOptions.DefaultMaxBytes;
        }

        var (digits, scale) = text switch
        {
            _ when text.EndsWith("Ki", StringComparison.Ordinal) => (text[..^2], 1L << 10),
            _ when text.EndsWith("Mi", StringComparison.Ordinal) => (text[..^2], 1L << 20),
            _ when text.EndsWith("Gi", StringComparison.Ordinal) => (text[..^2], 1L << 30),
            _ => (text, 1L),
        };
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > long.MaxValue / scale
            || value * scale is > 0 and < MinMaxBytes)
        {
            errors.Add($"decisionLog.maxBytes: '{text}' must be 0 (never rotate) or a size of at least {MinMaxBytes} bytes, e.g. 65536, 512Ki, 100Mi, 1Gi");
            return Mesh.Policy.DecisionLogOptions.DefaultMaxBytes;
        }

        return value * scale;
    }

    private static int ReadKeep(string? text, List<string> errors)
    {
        if (text is null)
        {
            return 0;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var keep))
        {
            errors.Add($"decisionLog.keep: '{text}' must be the number of rotated files to keep (0 keeps all)");
        }

        return keep;
    }

    private static DecisionLogFailureMode ReadMode(string? text, List<string> errors)
    {
        switch (text)
        {
            case null or "closed":
                return DecisionLogFailureMode.Closed;
            case "open":
                return DecisionLogFailureMode.Open;
            default:
                errors.Add($"decisionLog.onFailure: '{text}' must be closed (deny while the log cannot be written) or open (keep deciding, unaudited)");
                return DecisionLogFailureMode.Closed;
        }
    }

    private static byte[]? ReadKey(string configPath, string? file, List<string> errors)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            var key = File.ReadAllBytes(ConfigFiles.Resolve(configPath, file));
            if (key.Length >= MinKeyBytes)
            {
                return key;
            }

            errors.Add($"decisionLog.hmacKeyFile: {file} holds {key.Length} bytes; use at least {MinKeyBytes} random bytes (head -c 32 /dev/urandom > {file})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"decisionLog.hmacKeyFile: cannot read {file}: {e.Message}");
        }

        return null;
    }
}
