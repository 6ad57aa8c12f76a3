using System.Globalization;

namespace Mesh.Policy.DecisionLog;

/// <summary>
/// Log timestamps: RFC 3339 UTC with exactly three fractional digits (2025-01-02T03:04:05.678Z). One fixed width keeps
/// lines sortable as text and comparable across tools that choke on 7-digit ticks. Written by the line encoder itself
/// rather than by a JsonConverter: a property converter turns off the source generator's allocation-free fast path.
/// </summary>
internal static class Rfc3339Milliseconds
{
    public const int Length = 24;

    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    public static int Write(DateTimeOffset value, Span<byte> utf8)
    {
        value.UtcDateTime.TryFormat(utf8, out var written, Format, CultureInfo.InvariantCulture);
        return written;
    }
}
