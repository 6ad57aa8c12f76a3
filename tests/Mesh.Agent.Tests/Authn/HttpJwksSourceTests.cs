using Mesh.Agent.Authn;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// <see cref="HttpJwksSource"/> against a real HTTPS server on loopback (<see cref="JwksServer"/>), with virtual time for
/// the refresh and floor intervals: fetch counts, rotation by unknown kid, the floor, keeping keys through failures.
/// </summary>
public sealed class HttpJwksSourceTests : IAsyncLifetime, IDisposable
{
    private static readonly JwksFetchPolicy Policy = new(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));

    private readonly TestIssuer _issuer = new();
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private JwksServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await JwksServer.StartAsync();
        _server.Jwks = _issuer.Jwks;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task Keys_are_fetched_once_and_served_from_the_cache()
    {
        var source = Source();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(2, (await source.GetAsync(CancellationToken.None)).Count);
        }

        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task Stale_keys_are_refreshed_after_the_refresh_interval()
    {
        var source = Source();
        await source.GetAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(21));
        await source.GetAsync(CancellationToken.None);

        // The refresh runs behind the request; wait for it to land.
        await WaitFor(() => _server.Requests == 2);
        Assert.Equal(2, source.Fetches);
    }

    [Fact]
    public async Task An_unknown_kid_refetches_at_most_once_per_floor_interval()
    {
        var source = Source();
        await source.GetAsync(CancellationToken.None);

        // A flood of tokens naming invented kids right after a fetch: the floor holds, nothing is fetched.
        for (var i = 0; i < 100; i++)
        {
            await source.RefreshForUnknownKidAsync(CancellationToken.None);
        }

        Assert.Equal(1, _server.Requests);

        // Once the floor interval has passed, the next flood costs the issuer one fetch.
        _time.Advance(TimeSpan.FromSeconds(31));
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => source.RefreshForUnknownKidAsync(CancellationToken.None).AsTask()));

        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task A_rotated_key_is_found_by_its_kid_through_the_authenticator()
    {
        using var rotated = new TestIssuer();
        var sources = new JwksSources(_server.Client, Policy with { AllowHttp = false }, _time, NullLoggerFactory.Instance);
        var authenticator = new RequestAuthenticator(sources, JwtOptions.Default, TimeProvider.System);
        var rule = new Mesh.Policy.JwtRule("demo/jwt", TestIssuer.Issuer, [], null, _server.Uri, [], [], [], null, [], false, null, []);
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + rotated.Rs256(kid: "k2-" + Guid.NewGuid());
        Assert.IsType<AuthnResult.Rejected>(await authenticator.AuthenticateAsync(context.Request, [rule], CancellationToken.None));

        // The issuer publishes the new key; after the floor interval a token naming it triggers one fetch and verifies.
        var kid = "k2";
        _server.Jwks = rotated.Jwks.Replace("\"k1\"", $"\"{kid}\"", StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(31));
        context.Request.Headers.Authorization = "Bearer " + rotated.Rs256(kid: kid);

        Assert.IsType<AuthnResult.Authenticated>(await authenticator.AuthenticateAsync(context.Request, [rule], CancellationToken.None));
        // The first fetch, then one for the new kid (the invented kid right after the first fetch was held by the floor).
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task A_failed_fetch_keeps_the_last_good_keys()
    {
        var source = Source();
        await source.GetAsync(CancellationToken.None);

        _server.Failing = true;
        _time.Advance(TimeSpan.FromSeconds(31));
        var keys = await source.RefreshForUnknownKidAsync(CancellationToken.None);

        Assert.Equal(2, _server.Requests);
        Assert.Equal(2, keys.Count);
    }

    [Fact]
    public async Task With_no_keys_ever_fetched_there_are_none_and_retries_respect_the_floor()
    {
        _server.Failing = true;
        var source = Source();

        Assert.Equal(0, (await source.GetAsync(CancellationToken.None)).Count);
        Assert.Equal(0, (await source.GetAsync(CancellationToken.None)).Count);
        Assert.Equal(1, _server.Requests);

        _server.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(2, (await source.GetAsync(CancellationToken.None)).Count);
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task A_fetch_that_exceeds_the_timeout_fails()
    {
        _server.Delay = TimeSpan.FromSeconds(5);
        var source = new HttpJwksSource(_server.Uri, _server.Client, TimeSpan.FromMilliseconds(200), Policy, _time, NullLogger.Instance);

        var started = DateTime.UtcNow;
        var keys = await source.GetAsync(CancellationToken.None);

        Assert.Equal(0, keys.Count);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the fetch was not cut off by the timeout");
    }

    [Fact]
    public async Task A_server_whose_certificate_is_not_trusted_gives_no_keys()
    {
        using var untrusting = new HttpClient();
        var source = new HttpJwksSource(_server.Uri, untrusting, TimeSpan.FromSeconds(5), Policy, _time, NullLogger.Instance);

        Assert.Equal(0, (await source.GetAsync(CancellationToken.None)).Count);
    }

    private HttpJwksSource Source() => new(_server.Uri, _server.Client, TimeSpan.FromSeconds(5), Policy, _time, NullLogger.Instance);

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }
}
