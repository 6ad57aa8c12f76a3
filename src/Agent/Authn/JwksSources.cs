using Mesh.Policy;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Authn;

/// <summary>
/// One <see cref="IJwksSource"/> per distinct key set (inline text, file or URL), kept across policy reloads so a reload
/// neither re-fetches every URL nor forgets the last good keys. A rule with neither jwks nor jwksUri would make Istio
/// use OpenID discovery on the issuer; we do not, so its tokens fail (closed) and the log says why.
/// </summary>
internal sealed class JwksSources(HttpClient http, JwksFetchPolicy policy, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>Istio's default JWKS fetch timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, IJwksSource> _sources = new(StringComparer.Ordinal);

    public IJwksSource For(JwtRule rule) => rule switch
    {
        { Jwks: { } json } => _sources.GetOrAdd("inline:" + json, _ => new InlineJwksSource(json)),
        { JwksUri: { Scheme: "file" } file } => _sources.GetOrAdd("file:" + file.LocalPath, _ => new FileJwksSource(file.LocalPath, loggers.CreateLogger<FileJwksSource>())),
        { JwksUri: { } uri } when uri.Scheme == Uri.UriSchemeHttps || (policy.AllowHttp && uri.Scheme == Uri.UriSchemeHttp) =>
            _sources.GetOrAdd("url:" + uri, _ => new HttpJwksSource(uri, http, rule.Timeout ?? DefaultTimeout, policy, time, loggers.CreateLogger<HttpJwksSource>())),
        _ => NoJwksSource.Instance,
    };

    /// <summary>The source behind a URL, if one was created (tests count its fetches).</summary>
    public IJwksSource? Find(Uri uri) => _sources.GetValueOrDefault("url:" + uri);

    private sealed class NoJwksSource : IJwksSource
    {
        public static NoJwksSource Instance { get; } = new();

        public string Name => "no jwks or jwksUri (OpenID discovery is not supported)";

        public ValueTask<JwksKeySet> GetAsync(CancellationToken ct) => ValueTask.FromResult(JwksKeySet.Empty);

        public ValueTask<JwksKeySet> RefreshForUnknownKidAsync(CancellationToken ct) => ValueTask.FromResult(JwksKeySet.Empty);
    }
}
