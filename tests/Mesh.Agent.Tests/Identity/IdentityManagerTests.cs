using Mesh.Agent.Identity;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Identity;

/// <summary>The identity manager against a real CA: bounded CSR concurrency, identities added and removed at runtime.</summary>
public sealed class IdentityManagerTests : IAsyncLifetime
{
    private static readonly SpiffeId[] Ids = [.. Enumerable.Range(0, 8).Select(i => TestCa.Id("demo", "app-" + i))];
    private TestCa _ca = null!;

    public async Task InitializeAsync() => _ca = await TestCa.StartAsync(Ids);

    public async Task DisposeAsync() => await _ca.DisposeAsync();

    [Fact]
    public async Task At_most_N_certificate_requests_are_in_flight()
    {
        var store = new CredentialStore(TestCa.TrustDomain, TimeProvider.System);
        var inFlight = 0;
        var peak = 0;
        async Task<IssuedSvid> Fetch(SpiffeId id, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            try
            {
                // Hold the slot long enough that all eight would overlap without the limit.
                await Task.Delay(150, ct);
                return await _ca.IssueAsync(id);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
        await using var manager = new IdentityManager(Ids, Fetch, store, TimeProvider.System, NullLogger<IdentityManager>.Instance, maxConcurrentRequests: 2);

        await manager.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.All(Ids, id => Assert.True(store.HasValid(id), $"{id} has no certificate"));
        Assert.Equal(2, peak);
    }

    [Fact]
    public async Task Identities_added_later_get_certificates_and_removed_ones_lose_them()
    {
        var store = new CredentialStore(TestCa.TrustDomain, TimeProvider.System);
        var fetches = new System.Collections.Concurrent.ConcurrentDictionary<SpiffeId, int>();
        async Task<IssuedSvid> Fetch(SpiffeId id, CancellationToken ct)
        {
            fetches.AddOrUpdate(id, 1, (_, n) => n + 1);
            return await _ca.IssueAsync(id);
        }
        await using var manager = new IdentityManager([Ids[0]], Fetch, store, TimeProvider.System, NullLogger<IdentityManager>.Instance);
        await manager.StartAsync(CancellationToken.None);

        // A workload appears: its identity is fetched without restarting anything.
        await manager.Add(Ids[1]).WaitAsync(TimeSpan.FromSeconds(10));
        await manager.Add(Ids[1]).WaitAsync(TimeSpan.FromSeconds(10)); // idempotent
        Assert.True(store.HasValid(Ids[1]));
        Assert.Equal(1, fetches[Ids[1]]);

        // It leaves: the certificate is forgotten, so nothing can present it any more.
        await manager.RemoveAsync(Ids[1]);
        Assert.False(store.HasValid(Ids[1]));
        Assert.True(store.HasValid(Ids[0]));
        Assert.Equal([Ids[0]], manager.Identities);
    }

    [Fact]
    public async Task Without_a_CA_an_identity_stays_without_a_certificate_and_is_retried()
    {
        var store = new CredentialStore(TestCa.TrustDomain, TimeProvider.System);
        var attempts = 0;
        Task<IssuedSvid> Fetch(SpiffeId id, CancellationToken ct)
        {
            Interlocked.Increment(ref attempts);
            throw new CaClientException("CA unreachable");
        }
        await using var manager = new IdentityManager([Ids[0]], Fetch, store, TimeProvider.System, NullLogger<IdentityManager>.Instance);

        var start = manager.StartAsync(CancellationToken.None);
        await Task.Delay(1200);

        Assert.False(start.IsCompleted);
        Assert.False(store.HasValid(Ids[0]));
        // Backoff 0.5 s then 1 s: the first attempt and one retry in 1.2 s, not a tight loop.
        Assert.InRange(attempts, 2, 3);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
