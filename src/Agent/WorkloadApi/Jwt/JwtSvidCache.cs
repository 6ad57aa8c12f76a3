using System.Collections.Concurrent;
using Mesh.Identity;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// JWT-SVIDs from the CA, kept per (identity, audience set) until half their lifetime has passed, so a workload asking
/// on every request does not cost a CA round trip each time, and never gets a token about to expire.
/// </summary>
internal sealed class JwtSvidCache(Func<SpiffeId, IReadOnlyCollection<string>, CancellationToken, Task<string>> mint, TimeProvider time)
{
    // Callers choose audiences freely; past this many entries expired ones are swept so the cache cannot grow without end.
    private const int SweepAbove = 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(string Token, DateTimeOffset RefreshAt, DateTimeOffset Expires);

    public async Task<string> GetAsync(SpiffeId id, IReadOnlyCollection<string> audience, CancellationToken ct)
    {
        var audiences = audience.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var key = id + "\n" + string.Join("\n", audiences);
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(key, out var cached) && now < cached.RefreshAt)
        {
            return cached.Token;
        }
        // Concurrent misses may both mint; both tokens are valid, the later one is kept.
        var token = await mint(id, audiences, ct).ConfigureAwait(false);
        var jwt = new JsonWebToken(token);
        var issued = new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero);
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        _entries[key] = new Entry(token, issued + (expires - issued) / 2, expires);
        if (_entries.Count > SweepAbove)
        {
            foreach (var (k, e) in _entries)
            {
                if (e.Expires <= now)
                {
                    _entries.TryRemove(k, out _);
                }
            }
        }
        return token;
    }
}
