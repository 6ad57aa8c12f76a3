using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, with its object.</summary>
internal sealed record WatchEvent(string Type, JsonElement Object);

/// <summary>A list response: the items and the collection's resourceVersion to watch from.</summary>
internal sealed record ListResult(IReadOnlyList<JsonElement> Items, string ResourceVersion);

/// <summary>The API server answered a watch with 410 Gone (the resourceVersion is too old): list again.</summary>
internal sealed class WatchExpiredException(string message) : Exception(message);

/// <summary>
/// The small part of the Kubernetes API the agent speaks: list a collection, and watch it (newline-delimited JSON
/// events). Parsed with JsonDocument, no reflection, so the NativeAOT build has no trim warnings. The bearer token is
/// read from its file on every request: projected service-account tokens are rotated by the kubelet.
/// </summary>
internal sealed class KubeApiClient : IDisposable
{
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly HttpClient _http;
    private readonly string? _tokenFile;

    public KubeApiClient(Uri server, string? tokenFile, HttpMessageHandler handler)
    {
        _tokenFile = tokenFile;
        // Watches stay open for minutes; each list and watch has its own deadline through its token instead.
        _http = new HttpClient(handler) { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The in-cluster API server (KUBERNETES_SERVICE_HOST/PORT), trusting only the service-account CA.</summary>
    public static KubeApiClient InCluster()
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")
            ?? throw new InvalidOperationException("KUBERNETES_SERVICE_HOST is not set: not running in a pod");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443";
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(ServiceAccountDir, "ca.crt"));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
        {
            // Only the chain is judged here (against the service-account CA instead of the system roots); a missing
            // certificate or a name mismatch still fails.
            if (cert is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
            return chain.Build(leaf);
        };
        var address = IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        return new KubeApiClient(new Uri($"https://{address}:{port}"), Path.Combine(ServiceAccountDir, "token"), handler);
    }

    public async Task<ListResult> ListAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var items = root.Array("items").Select(i => i.Clone()).ToList();
        return new ListResult(items, root.Str("metadata", "resourceVersion") ?? "");
    }

    /// <summary>Events from <paramref name="resourceVersion"/> on, until the server ends the stream (normal: it does so every few minutes).</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string path, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var url = $"{path}{separator}watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}";
        using var response = await SendAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var type = root.Str("type") ?? "";
            var obj = root.TryGetProperty("object", out var o) ? o.Clone() : default;
            if (type == "ERROR")
            {
                // A Status object; 410 Gone means the resourceVersion has been compacted away.
                var code = obj.ValueKind == JsonValueKind.Object ? obj.Int("code") : null;
                throw code == 410
                    ? new WatchExpiredException(obj.Str("message") ?? "410 Gone")
                    : new HttpRequestException($"watch error {code}: {(obj.ValueKind == JsonValueKind.Object ? obj.Str("message") : null)}");
            }
            yield return new WatchEvent(type, obj);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_tokenFile is not null)
        {
            var token = (await File.ReadAllTextAsync(_tokenFile, cancellationToken).ConfigureAwait(false)).Trim();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            response.Dispose();
            throw new WatchExpiredException($"GET {path}: 410 Gone");
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"GET {path}: {(int)status} {status}", null, status);
        }
        return response;
    }

    public void Dispose() => _http.Dispose();
}
