using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Policy;

/// <summary>
/// Writes RFC 3339 UTC with exactly three fractional digits (2025-01-02T03:04:05.678Z): one fixed
/// width keeps lines sortable as text and comparable across tools that choke on 7-digit ticks.
/// </summary>
internal sealed class Rfc3339MillisecondsConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        value.UtcDateTime.TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
