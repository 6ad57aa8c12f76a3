using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Authn;

/// <summary>
/// A JWKS fetched from the issuer's URL (<c>jwksUri</c>), cached. Fetched on first use; refreshed in the background
/// once older than <see cref="JwksFetchPolicy.Refresh"/>; fetched again when a token names an unknown kid, but never
/// twice within <see cref="JwksFetchPolicy.MinInterval"/>, so a flood of tokens with invented kids cannot hammer the
/// issuer. A failed fetch keeps the last good keys; with none ever fetched, the issuer's tokens fail (fail closed).
/// </summary>
internal sealed partial class HttpJwksSource(Uri uri, HttpClient http, TimeSpan timeout, JwksFetchPolicy policy, TimeProvider time, ILogger logger) : IJwksSource
{
    /// <summary>A JWKS is a few KiB; anything far larger is not one.</summary>
    private const int MaxBytes = 1 << 20;

    // One fetch at a time; waiters for the first fetch share its result.
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile JwksKeySet? _keys;
    private long _fetchedAt;
    private long _attemptedAt = long.MinValue;
    private int _fetches;

    public string Name => uri.ToString();

    /// <summary>Fetches started so far (successful or not); tests count them.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public async ValueTask<JwksKeySet> GetAsync(CancellationToken ct)
    {
        if (_keys is { } keys)
        {
            if (Age(Volatile.Read(ref _fetchedAt)) >= policy.Refresh && MayFetch())
            {
                // Stale but usable: answer with what we have and refresh behind the request.
                _ = Task.Run(() => FetchAsync(CancellationToken.None), CancellationToken.None);
            }

            return keys;
        }

        // Nothing yet: this request waits for the first fetch (or a retry once the floor interval has passed).
        return await FetchAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask<JwksKeySet> RefreshForUnknownKidAsync(CancellationToken ct) =>
        await FetchAsync(ct).ConfigureAwait(false);

    private bool MayFetch() => Age(Interlocked.Read(ref _attemptedAt)) >= policy.MinInterval;

    private TimeSpan Age(long timestamp) => timestamp == long.MinValue ? TimeSpan.MaxValue : time.GetElapsedTime(timestamp);

    private async Task<JwksKeySet> FetchAsync(CancellationToken ct)
    {
        await _fetching.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Checked under the semaphore: of many requests racing here, one fetches and the rest reuse its result.
            if (!MayFetch())
            {
                return _keys ?? JwksKeySet.Empty;
            }

            Interlocked.Exchange(ref _attemptedAt, time.GetTimestamp());
            Interlocked.Increment(ref _fetches);
            try
            {
                // Not the caller's token: a client that gives up must not cost everyone the fetch (the floor would hold the retry).
                var keys = await DownloadAsync(CancellationToken.None).ConfigureAwait(false);
                _keys = keys;
                Volatile.Write(ref _fetchedAt, time.GetTimestamp());
                LogFetched(logger, uri.ToString(), keys.Count);
                return keys;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException or IOException)
            {
                var reason = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.###}s" : e.Message;
                LogFetchFailed(logger, uri.ToString(), _keys?.Count ?? 0, reason);
                return _keys ?? JwksKeySet.Empty;
            }
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async Task<JwksKeySet> DownloadAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > MaxBytes)
        {
            throw new FormatException($"the response is {response.Content.Headers.ContentLength} bytes, more than a JWKS ({MaxBytes})");
        }

        var body = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
        if (body.Length > MaxBytes)
        {
            throw new FormatException($"the response is more than {MaxBytes} bytes, more than a JWKS");
        }

        return JwksKeySet.Parse(body);
    }

    [LoggerMessage(EventId = 762, Level = LogLevel.Information, Message = "JWKS {Uri}: fetched {Count} verification keys")]
    private static partial void LogFetched(ILogger logger, string uri, int count);

    [LoggerMessage(EventId = 763, Level = LogLevel.Warning, Message = "JWKS {Uri}: fetch failed, keeping the last good keys ({Count}): {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string uri, int count, string reason);
}
