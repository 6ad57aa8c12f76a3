namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// Whether a byte stream is a sequence of TLS records (RFC 8446 section 5.1, RFC 5246 section 6.2): each starts
/// with a 5-byte header, content type 20..23 (change_cipher_spec, alert, handshake, application_data), legacy
/// version 3.1..3.3, and a length of at most 2^14 + 2048. A TLS connection's first record is a handshake (22).
/// </summary>
internal static class TlsRecords
{
    /// <summary>The largest record length TLS 1.2 allows (2^14 + 2048); TLS 1.3 allows less.</summary>
    public const int MaxRecordLength = (1 << 14) + 2048;

    private const byte Handshake = 0x16;

    /// <summary>
    /// Null when <paramref name="stream"/> is TLS records from its first byte; else what is wrong, with the offset.
    /// A last record cut short (the capture ended mid-record) is accepted if the header bytes present are valid.
    /// </summary>
    public static string? Problem(ReadOnlySpan<byte> stream)
    {
        if (stream.IsEmpty)
        {
            return "no bytes";
        }
        if (stream[0] != Handshake)
        {
            return $"the first byte is 0x{stream[0]:x2}, not a TLS handshake record (0x16)";
        }
        var offset = 0;
        var records = 0;
        // Bounded: every pass moves at least 5 bytes forward.
        while (offset < stream.Length)
        {
            var header = stream[offset..Math.Min(offset + 5, stream.Length)];
            if (header[0] is < 0x14 or > 0x17)
            {
                return $"record {records} at offset {offset}: content type 0x{header[0]:x2} is not 0x14..0x17";
            }
            if ((header.Length > 1 && header[1] != 3) || (header.Length > 2 && header[2] is < 1 or > 3))
            {
                return $"record {records} at offset {offset}: version {Hex(header[1..Math.Min(3, header.Length)])} is not 03 01..03 03";
            }
            if (header.Length < 5)
            {
                break;
            }
            var length = (header[3] << 8) | header[4];
            if (length > MaxRecordLength)
            {
                return $"record {records} at offset {offset}: length {length} is over {MaxRecordLength}";
            }
            offset += 5 + length;
            records++;
        }
        return null;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
