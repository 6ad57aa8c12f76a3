using System.IO.Hashing;
using System.Net;
using System.Text;
using Mesh.Agent.Config;
using Microsoft.AspNetCore.Http;
using Mesh.Agent.Net;

namespace Mesh.Agent.Balancing;

/// <summary>
/// The 64-bit hash a ring-hash pick uses (<see cref="PickContext.Hash"/>), from what a <see cref="HashKey"/> names: a
/// request header, a cookie, or the source address. Null when that input is absent, and the balancer then picks at
/// random (Envoy's behaviour for a hash policy that yields nothing). XxHash64 throughout: stable across processes, so
/// every agent hashes a key the same way.
/// </summary>
internal static class RequestHash
{
    /// <summary>
    /// The hash for <paramref name="key"/>: the header if named, else the cookie if named, else the source address if
    /// asked for. A header or cookie that is present but empty still hashes (to the hash of "").
    /// </summary>
    /// <param name="header">A request header's value by name, null when absent (several values joined by ",").</param>
    /// <param name="cookie">A cookie's value by name, null when absent (e.g. <see cref="CookieHeader.Find"/>).</param>
    public static ulong? Compute(HashKey? key, Func<string, string?> header, Func<string, string?> cookie, IPAddress? source)
    {
        if (key is null)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(key.Header))
        {
            return OfString(header(key.Header));
        }
        if (!string.IsNullOrEmpty(key.Cookie))
        {
            return OfString(cookie(key.Cookie));
        }
        return key.SourceIp ? OfAddress(source) : null;
    }

    /// <summary>
    /// <see cref="Compute(HashKey?, Func{string, string?}, Func{string, string?}, IPAddress?)"/> for an ASP.NET request.
    /// <paramref name="source"/> is explicit because the address that identifies the client is the caller's to choose
    /// (a captured connection's peer, not necessarily the socket's).
    /// </summary>
    public static ulong? Compute(HashKey? key, HttpRequest request, IPAddress? source) =>
        Compute(key, name => HeaderValue(request, name), name => CookieValue(request, name), source);

    /// <summary>XxHash64 of the UTF-8 bytes; null stays null.</summary>
    public static ulong? OfString(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        return XxHash64.HashToUInt64(buffer[..length]);
    }

    /// <summary>
    /// XxHash64 of the address bytes (4 for IPv4, 16 for IPv6). An IPv4-mapped IPv6 address hashes as the IPv4 address
    /// it maps, so a client reached over a dual-stack socket keeps its endpoint. The IPv6 scope id is not hashed.
    /// </summary>
    public static ulong? OfAddress(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }
        address = address.Unmapped();
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out var written) ? XxHash64.HashToUInt64(bytes[..written]) : null;
    }

    private static string? HeaderValue(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    // HTTP/2 and HTTP/3 may split cookies across several Cookie header fields (RFC 9113 section 8.2.3); search each.
    private static string? CookieValue(HttpRequest request, string name)
    {
        foreach (var header in request.Headers.Cookie)
        {
            if (CookieHeader.Find(header, name) is { } value)
            {
                return value;
            }
        }
        return null;
    }
}
