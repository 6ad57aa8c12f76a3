using System.Security.Cryptography.X509Certificates;
using Mesh.Agent.Identity;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Identity;

/// <summary>Two real CAs for the same trust domain: the mesh's own and a rogue one whose certificates must not be accepted.</summary>
public sealed class CredentialStoreCas : IAsyncLifetime
{
    public static SpiffeId Frontend { get; } = TestCa.Id("demo", "frontend");
    public static SpiffeId Backend { get; } = TestCa.Id("demo", "backend");

    public TestCa Ca { get; private set; } = null!;
    public TestCa Rogue { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Ca = await TestCa.StartAsync(Frontend, Backend);
        Rogue = await TestCa.StartAsync(Frontend, Backend);
    }

    public async Task DisposeAsync()
    {
        await Ca.DisposeAsync();
        await Rogue.DisposeAsync();
    }
}

public sealed class CredentialStoreTests(CredentialStoreCas cas) : IClassFixture<CredentialStoreCas>
{
    private static SpiffeId Frontend => CredentialStoreCas.Frontend;

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static CredentialStore NewStore(TimeProvider? time = null) => new(TestCa.TrustDomain, time ?? TimeProvider.System);

    [Fact]
    public void Before_any_certificate_an_identity_has_no_credentials_and_there_is_no_bundle()
    {
        var store = NewStore();

        Assert.False(store.TryGet(Frontend, out var credentials));
        Assert.Null(credentials);
        Assert.False(store.HasValid(Frontend));
        Assert.Null(store.Bundle);
    }

    [Fact]
    public async Task Good_SVID_is_installed_and_TryGet_returns_it()
    {
        var store = NewStore();
        var changed = new List<SpiffeId>();
        store.Changed += changed.Add;
        var svid = await cas.Ca.IssueAsync(Frontend);

        var installed = store.Set(svid);

        Assert.True(store.TryGet(Frontend, out var credentials));
        Assert.Same(installed, credentials);
        Assert.Equal(Frontend, credentials.Id);
        Assert.Equal(svid.Leaf.Thumbprint, credentials.Svid.Leaf.Thumbprint);
        Assert.Equal(svid.Leaf.Thumbprint, credentials.Context.TargetCertificate.Thumbprint);
        Assert.Same(svid.Bundle, store.Bundle);
        Assert.Equal([Frontend], changed);
        Assert.False(store.HasValid(CredentialStoreCas.Backend), "only the installed identity has credentials");
    }

    [Fact]
    public async Task Renewed_SVID_replaces_the_old_one_and_earlier_snapshots_stay_intact()
    {
        var store = NewStore();
        var first = store.Set(await cas.Ca.IssueAsync(Frontend));
        var firstThumbprint = first.Svid.Leaf.Thumbprint;

        var renewed = await cas.Ca.IssueAsync(Frontend);
        store.Set(renewed);

        Assert.True(store.TryGet(Frontend, out var current));
        Assert.Equal(renewed.Leaf.Thumbprint, current.Svid.Leaf.Thumbprint);
        Assert.NotEqual(firstThumbprint, current.Svid.Leaf.Thumbprint);
        Assert.Equal(firstThumbprint, first.Svid.Leaf.Thumbprint);
    }

    [Fact]
    public async Task SVID_of_another_trust_domain_is_rejected()
    {
        var store = new CredentialStore(TrustDomain.Parse("other.example"), TimeProvider.System);
        var svid = await cas.Ca.IssueAsync(Frontend);

        var e = Assert.Throws<InvalidOperationException>(() => store.Set(svid));

        Assert.Contains("not in trust domain other.example", e.Message, StringComparison.Ordinal);
        Assert.False(store.HasValid(Frontend));
        Assert.Null(store.Bundle);
    }

    public static TheoryData<string, string> RejectedCases => new()
    {
        // scenario, what the rejection must say
        { "leaf from another CA than the bundle it came with", "rejected" },
        { "leaf naming another identity than the SVID claims", $"it names {CredentialStoreCas.Backend}" },
        { "leaf without its private key", "has no private key" },
    };

    private async Task<IssuedSvid> BadSvidAsync(string scenario)
    {
        var good = await cas.Ca.IssueAsync(Frontend);
        switch (scenario)
        {
            case "leaf from another CA than the bundle it came with":
                var rogue = await cas.Rogue.IssueAsync(Frontend);
                return good with { Leaf = rogue.Leaf, Intermediates = rogue.Intermediates };
            case "leaf naming another identity than the SVID claims":
                var other = await cas.Ca.IssueAsync(CredentialStoreCas.Backend);
                return other with { Id = Frontend };
            case "leaf without its private key":
                return good with { Leaf = X509CertificateLoader.LoadCertificate(good.Leaf.RawData) };
            default:
                throw new ArgumentException(scenario, nameof(scenario));
        }
    }

    [Theory]
    [MemberData(nameof(RejectedCases))]
    public async Task Unusable_SVID_is_rejected_before_it_is_swapped_in(string scenario, string reason)
    {
        var store = NewStore();
        var bad = await BadSvidAsync(scenario);

        var e = Assert.Throws<InvalidOperationException>(() => store.Set(bad));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.False(store.HasValid(Frontend), $"{scenario}: nothing may be installed");
        Assert.False(store.HasValid(CredentialStoreCas.Backend), $"{scenario}: nothing may be installed");
        Assert.Null(store.Bundle);
    }

    [Theory]
    [MemberData(nameof(RejectedCases))]
    public async Task Rejected_replacement_keeps_the_last_good_SVID(string scenario, string reason)
    {
        var store = NewStore();
        var changes = 0;
        store.Changed += _ => changes++;
        var good = await cas.Ca.IssueAsync(Frontend);
        store.Set(good);
        var bad = await BadSvidAsync(scenario);

        Assert.Throws<InvalidOperationException>(() => store.Set(bad));

        Assert.True(store.TryGet(Frontend, out var current), $"{scenario} ({reason})");
        Assert.Equal(good.Leaf.Thumbprint, current.Svid.Leaf.Thumbprint);
        Assert.Same(good.Bundle, store.Bundle);
        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task SVID_that_is_already_expired_is_never_installed()
    {
        var svid = await cas.Ca.IssueAsync(Frontend);
        var store = NewStore(new ManualClock(svid.NotAfter.AddSeconds(1)));

        var e = Assert.Throws<InvalidOperationException>(() => store.Set(svid));

        Assert.Contains("rejected", e.Message, StringComparison.Ordinal);
        Assert.False(store.HasValid(Frontend));
    }

    public static TheoryData<string, bool> ClockCases => new()
    {
        // where the clock is, whether TryGet hands the SVID out
        { "notBefore - 1 s", false },
        { "notBefore", true },
        { "half-life", true },
        { "notAfter - 1 s", true },
        { "notAfter", false },
        { "notAfter + 1 day", false },
    };

    [Theory]
    [MemberData(nameof(ClockCases))]
    public async Task TryGet_hands_out_the_SVID_only_while_it_is_valid_and_fails_closed_otherwise(string clock, bool valid)
    {
        var svid = await cas.Ca.IssueAsync(Frontend);
        var time = new ManualClock(svid.NotBefore + (svid.NotAfter - svid.NotBefore) / 2);
        var store = NewStore(time);
        store.Set(svid);

        time.Now = clock switch
        {
            "notBefore - 1 s" => svid.NotBefore.AddSeconds(-1),
            "notBefore" => svid.NotBefore,
            "half-life" => svid.NotBefore + (svid.NotAfter - svid.NotBefore) / 2,
            "notAfter - 1 s" => svid.NotAfter.AddSeconds(-1),
            "notAfter" => svid.NotAfter,
            "notAfter + 1 day" => svid.NotAfter.AddDays(1),
            _ => throw new ArgumentException(clock, nameof(clock)),
        };

        Assert.Equal(valid, store.TryGet(Frontend, out var credentials));
        Assert.Equal(valid, credentials is not null);
        Assert.Equal(valid, store.HasValid(Frontend));
    }
}
