using System.Globalization;

namespace Mesh.Policy.Loading;

/// <summary>
/// Durations as Istio's CRDs accept them (Go's time.ParseDuration, which also covers protobuf's "1.5s"):
/// a sequence of decimal numbers, each with a unit: ns, us, µs, ms, s, m, h.
/// </summary>
internal static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var ticks = 0.0;
        var i = 0;
        if (text.Length == 0)
        {
            return false;
        }

        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            double? perUnit = text[unitStart..i] switch
            {
                "ns" => TimeSpan.TicksPerMillisecond / 1e6,
                "us" or "µs" => TimeSpan.TicksPerMillisecond / 1e3,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => null,
            };
            if (perUnit is null)
            {
                return false;
            }

            ticks += number * perUnit.Value;
        }

        if (ticks >= TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }
}
