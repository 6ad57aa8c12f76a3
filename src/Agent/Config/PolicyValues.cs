using System.Globalization;
using Mesh.Policy.Loading;

namespace Mesh.Agent.Config;

/// <summary>
/// Parses the text values of the registry's policy fields, adding one error per bad value (naming its path and the
/// allowed range) and returning the default instead, so that every problem of a file is reported at once.
/// </summary>
internal sealed class PolicyValues(List<string> errors)
{
    public List<string> Errors { get; } = errors;

    /// <summary>A whole number in <paramref name="min"/>..<paramref name="max"/>; absent: <paramref name="fallback"/>.</summary>
    public int Int(string? text, string path, int min, int max, int fallback)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Errors.Add($"{path}: '{text}' must be a whole number {min}..{max}");
            return fallback;
        }
        return value;
    }

    /// <summary>A percentage 0..100 (decimals allowed); absent: <paramref name="fallback"/>.</summary>
    public double Percent(string? text, string path, double fallback)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 100)
        {
            Errors.Add($"{path}: '{text}' must be a percentage 0..100");
            return fallback;
        }
        return value;
    }

    /// <summary>A Go/Istio duration ("1.5s", "250ms", "1m30s"); zero allowed only when <paramref name="allowZero"/>.</summary>
    public TimeSpan Duration(string? text, string path, TimeSpan fallback, bool allowZero = false)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!GoDuration.TryParse(text, out var value))
        {
            Errors.Add($"{path}: '{text}' is not a duration (use a number with a unit: 250ms, 5s, 1m)");
            return fallback;
        }
        if (value <= TimeSpan.Zero && !(allowZero && value == TimeSpan.Zero))
        {
            Errors.Add($"{path}: '{text}' must be greater than zero");
            return fallback;
        }
        return value;
    }

    /// <summary>true or false (YAML's spelling, any case); absent: false.</summary>
    public bool Bool(string? text, string path)
    {
        if (text is null)
        {
            return false;
        }
        if (!bool.TryParse(text, out var value))
        {
            Errors.Add($"{path}: '{text}' must be true or false");
        }
        return value;
    }
}
