using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Tests.Balancing;

/// <summary>Hash key extraction: header, cookie, source address; absent input gives no hash.</summary>
public sealed class RequestHashTests
{
    private static readonly Func<string, string?> NoHeaders = _ => null;
    private static readonly Func<string, string?> NoCookies = _ => null;

    [Fact]
    public void Header_present_hashes_its_value()
    {
        var key = new HashKey { Header = "x-user" };
        Func<string, string?> headers = name => name == "x-user" ? "alice" : null;

        Assert.Equal(RequestHash.OfString("alice"), RequestHash.Compute(key, headers, NoCookies, IPAddress.Loopback));
    }

    [Fact]
    public void Header_absent_gives_no_hash_even_with_a_source_address() =>
        Assert.Null(RequestHash.Compute(new HashKey { Header = "x-user" }, NoHeaders, NoCookies, IPAddress.Loopback));

    [Fact]
    public void Different_header_values_hash_differently_and_equal_ones_equally()
    {
        var key = new HashKey { Header = "x-user" };
        ulong? For(string v) => RequestHash.Compute(key, _ => v, NoCookies, null);

        Assert.NotEqual(For("alice"), For("bob"));
        Assert.Equal(For("alice"), For("alice"));
    }

    public static TheoryData<string?, string, string?> Cookies => new()
    {
        { "session=abc123", "session", "abc123" },
        { "theme=dark; session=abc123; lang=en", "session", "abc123" },
        { "theme=dark;session=abc123", "session", "abc123" },
        { "  session = abc123 ", "session", "abc123" },
        { "session=first; session=second", "session", "first" },
        { "mysession=x; session_id=y", "session", null },
        { "Session=abc", "session", null },
        { "session=", "session", "" },
        { "session=\"quoted\"", "session", "\"quoted\"" },
        { "novalue; =nameless; session=ok", "session", "ok" },
        { "", "session", null },
        { null, "session", null },
    };

    [Theory]
    [MemberData(nameof(Cookies))]
    public void Cookie_header_parsing(string? header, string name, string? expected) =>
        Assert.Equal(expected, CookieHeader.Find(header, name));

    [Fact]
    public void Cookie_key_hashes_the_cookie_value_among_several()
    {
        var key = new HashKey { Cookie = "session" };
        Func<string, string?> cookies = name => CookieHeader.Find("theme=dark; session=abc123; lang=en", name);

        Assert.Equal(RequestHash.OfString("abc123"), RequestHash.Compute(key, NoHeaders, cookies, null));
        Assert.Null(RequestHash.Compute(key, NoHeaders, NoCookies, null));
    }

    public static TheoryData<string, string> SameClient => new()
    {
        { "192.0.2.7", "::ffff:192.0.2.7" },
        { "2001:db8::1", "2001:db8:0:0:0:0:0:1" },
    };

    [Theory]
    [MemberData(nameof(SameClient))]
    public void Source_address_v4_and_v6_hash_the_address(string a, string b)
    {
        var key = new HashKey { SourceIp = true };

        var hashA = RequestHash.Compute(key, NoHeaders, NoCookies, IPAddress.Parse(a));

        Assert.NotNull(hashA);
        Assert.Equal(hashA, RequestHash.Compute(key, NoHeaders, NoCookies, IPAddress.Parse(b)));
        Assert.NotEqual(hashA, RequestHash.Compute(key, NoHeaders, NoCookies, IPAddress.Parse("192.0.2.8")));
        Assert.NotEqual(hashA, RequestHash.Compute(key, NoHeaders, NoCookies, IPAddress.Parse("2001:db8::2")));
    }

    [Fact]
    public void Source_address_absent_or_no_key_gives_no_hash()
    {
        Assert.Null(RequestHash.Compute(new HashKey { SourceIp = true }, NoHeaders, NoCookies, null));
        Assert.Null(RequestHash.Compute(null, _ => "x", _ => "x", IPAddress.Loopback));
        Assert.Null(RequestHash.Compute(new HashKey(), _ => "x", _ => "x", IPAddress.Loopback));
    }

    [Fact]
    public void Hashes_are_stable_across_processes()
    {
        // XxHash64 with seed 0 of the UTF-8 bytes: a fixed value, unlike string.GetHashCode.
        Assert.Equal(System.IO.Hashing.XxHash64.HashToUInt64("alice"u8), RequestHash.OfString("alice"));
        Assert.Equal(0xEF46DB3751D8E999UL, RequestHash.OfString(""));
    }

    [Fact]
    public void Http_request_header_and_split_cookie_headers()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["x-user"] = "alice";
        context.Request.Headers.Cookie = new(["theme=dark", "session=abc123"]);

        Assert.Equal(RequestHash.OfString("alice"), RequestHash.Compute(new HashKey { Header = "X-User" }, context.Request, null));
        Assert.Equal(RequestHash.OfString("abc123"), RequestHash.Compute(new HashKey { Cookie = "session" }, context.Request, null));
        Assert.Null(RequestHash.Compute(new HashKey { Cookie = "lang" }, context.Request, null));
        Assert.Equal(RequestHash.OfAddress(IPAddress.Loopback), RequestHash.Compute(new HashKey { SourceIp = true }, context.Request, IPAddress.Loopback));
    }
}
