namespace Mesh.Identity.Tests.Spiffe;

public sealed class SpiffeIdTests
{
    [Fact]
    public void ForWorkload_builds_the_istio_form_and_exposes_its_parts()
    {
        var id = SpiffeId.ForWorkload(TrustDomain.Parse("cluster.local"), "demo", "frontend");

        Assert.Equal("spiffe://cluster.local/ns/demo/sa/frontend", id.ToString());
        Assert.Equal("cluster.local/ns/demo/sa/frontend", id.Principal);
        Assert.Equal("demo", id.Namespace);
        Assert.Equal("frontend", id.ServiceAccount);
        Assert.Equal(id, SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/frontend"));
    }

    [Theory]
    [InlineData("spiffe://td/ns/demo")]
    [InlineData("spiffe://td/ns/demo/sa/x/extra")]
    [InlineData("spiffe://td/workload")]
    [InlineData("spiffe://td")]
    public void Namespace_and_service_account_are_null_for_other_paths(string text)
    {
        var id = SpiffeId.Parse(text);
        Assert.Null(id.Namespace);
        Assert.Null(id.ServiceAccount);
    }

    [Theory]
    [InlineData("", "x", "path cannot contain empty segments")]
    [InlineData("a/b", "x", "path segment characters are limited")]
    [InlineData("..", "x", "path cannot contain dot segments")]
    [InlineData("ok", "$", "path segment characters are limited")]
    public void ForWorkload_rejects_bad_segments_with_go_spiffe_text(string ns, string sa, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => SpiffeId.ForWorkload(TrustDomain.Parse("td"), ns, sa));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_throws_FormatException_with_go_spiffe_text()
    {
        var ex = Assert.Throws<FormatException>(() => SpiffeId.Parse("spiffe://td/a/"));
        Assert.Equal("path cannot have a trailing slash", ex.Message);
    }

    [Fact]
    public void TrustDomain_accepts_a_full_id_and_compares_by_name()
    {
        Assert.Equal(TrustDomain.Parse("example.org"), TrustDomain.Parse("spiffe://example.org/ns/a/sa/b"));
        Assert.Equal("example.org", TrustDomain.Parse("example.org").ToString());
        Assert.Equal("spiffe://example.org", TrustDomain.Parse("example.org").Id.ToString());
    }
}
