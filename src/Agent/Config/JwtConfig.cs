using System.Globalization;
using Mesh.Agent.Authn;

namespace Mesh.Agent.Config;

/// <summary>Validates the jwt section into <see cref="JwtOptions"/>, adding every problem to the loader's list.</summary>
internal static class JwtConfig
{
    /// <summary>Beyond this, "expired" would stop meaning anything.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    /// <summary>Smaller than any real token with a signature.</summary>
    public const int MinTokenBytes = 256;

    public static JwtOptions Read(AgentConfigFile.JwtSection? section, List<string> errors)
    {
        if (section is null)
        {
            return JwtOptions.Default;
        }

        var skew = JwtOptions.DefaultClockSkew;
        if (section.ClockSkew is { } skewText && (!TryDuration(skewText, out skew) || skew > MaxClockSkew))
        {
            errors.Add($"jwt.clockSkew: '{skewText}' must be a duration from 0s to {MaxClockSkew.TotalMinutes:0}m, e.g. 30s or 1m");
            skew = JwtOptions.DefaultClockSkew;
        }

        var maxBytes = JwtOptions.DefaultMaxTokenBytes;
        if (section.MaxTokenBytes is { } sizeText && !TrySize(sizeText, out maxBytes))
        {
            errors.Add($"jwt.maxTokenBytes: '{sizeText}' must be a size of at least {MinTokenBytes} bytes, e.g. 16384 or 16Ki");
            maxBytes = JwtOptions.DefaultMaxTokenBytes;
        }

        foreach (var (issuer, algorithms) in section.Algorithms)
        {
            if (algorithms.Count == 0)
            {
                errors.Add($"jwt.algorithms[{issuer}]: empty; list the algorithms its tokens are signed with (e.g. [ES256]) or remove the issuer to use the default");
            }

            foreach (var alg in algorithms)
            {
                if (JwsAlgorithms.Refusal(alg) is { } refusal)
                {
                    errors.Add($"jwt.algorithms[{issuer}]: {refusal}");
                }
            }
        }

        return new JwtOptions(skew, maxBytes, section.Algorithms);
    }

    /// <summary>Whole seconds or minutes, or milliseconds: 30s, 1m, 500ms.</summary>
    private static bool TryDuration(string text, out TimeSpan value)
    {
        var (digits, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], TimeSpan.FromMilliseconds(1)),
            _ when text.EndsWith('s') => (text[..^1], TimeSpan.FromSeconds(1)),
            _ when text.EndsWith('m') => (text[..^1], TimeSpan.FromMinutes(1)),
            _ => ("", TimeSpan.Zero),
        };
        value = TimeSpan.Zero;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        value = unit * n;
        return true;
    }

    private static bool TrySize(string text, out int value)
    {
        var (digits, scale) = text.EndsWith("Ki", StringComparison.Ordinal) ? (text[..^2], 1024) : (text, 1);
        value = 0;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > int.MaxValue / scale || n * scale < MinTokenBytes)
        {
            return false;
        }

        value = n * scale;
        return true;
    }
}
