using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Policy.Matching;

/// <summary>
/// A single address or a CIDR block of <c>ipBlocks</c>, <c>remoteIpBlocks</c> and the ip conditions.
/// Like Go's netip.ParsePrefix (what Istio validates with), host bits after the prefix are allowed
/// and ignored: <c>127.0.0.1/24</c> is <c>127.0.0.0/24</c>.
/// </summary>
internal sealed class IpBlock
{
    private readonly byte[] network;
    private readonly int prefixLength;

    private IpBlock(string text, byte[] network, int prefixLength, AddressFamily family)
    {
        Text = text;
        this.network = network;
        this.prefixLength = prefixLength;
        Family = family;
    }

    public string Text { get; }

    public AddressFamily Family { get; }

    /// <returns>The block, or an error message with the fix.</returns>
    public static (IpBlock? Block, string? Error) Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal) || !LooksLikeAddress(addressText))
        {
            return (null, $"'{text}' is not an IP address or CIDR block; write e.g. 10.1.2.3, 10.1.0.0/16 or 2001:db8::/32");
        }

        address = Canonical(address);
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = bits;
        if (slash >= 0)
        {
            var lengthText = text[(slash + 1)..];
            if (lengthText.Length == 0 || !lengthText.All(char.IsAsciiDigit)
                || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > bits)
            {
                return (null, $"'{text}': the prefix length must be a number from 0 to {bits}");
            }
        }

        return (new IpBlock(text, Mask(address.GetAddressBytes(), length), length, address.AddressFamily), null);
    }

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        address = Canonical(address);
        if (address.AddressFamily != Family)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        bytes = bytes[..written];
        var full = prefixLength / 8;
        if (!bytes[..full].SequenceEqual(network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == network[full];
    }

    /// <summary>IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address: dual-stack sockets report it that way.</summary>
    private static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>IPAddress.TryParse also takes "1" or "0x7f.1"; Go's netip does not, and neither do we.</summary>
    private static bool LooksLikeAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal) || (text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.'));

    private static byte[] Mask(byte[] bytes, int length)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return bytes;
    }
}
