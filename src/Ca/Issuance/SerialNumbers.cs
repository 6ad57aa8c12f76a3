namespace Mesh.Ca;

/// <summary>Certificate serials from caller-supplied randomness (injected so tests can pin it).</summary>
internal static class SerialNumbers
{
    /// <summary>
    /// A positive 128-bit serial. RFC 5280 4.1.2.2: "The serial number MUST be a positive
    /// integer"; CA/B BR 7.1 asks for at least 64 bits of randomness. Clearing the top bit keeps
    /// it positive; a zero first byte is redrawn so the DER INTEGER stays minimal.
    /// </summary>
    internal static byte[] NewPositive128(Action<Span<byte>> fillRandom)
    {
        var serial = new byte[16];
        do
        {
            fillRandom(serial);
            serial[0] &= 0x7F;
        }
        while (serial[0] == 0);

        return serial;
    }
}
