using System.Net;
using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// GET <c>path</c> on the endpoint's port; healthy when the status is one of <c>expected</c>, or 200-299 when that is
/// empty (Envoy's default expected_statuses is 200 only; 2xx is what Istio and Kubernetes probes accept).
/// </summary>
internal sealed class HttpProbe(IProbeTransport transport, int port, string path, IReadOnlyList<int> expected) : IHealthProbe
{
    /// <summary>Sent as User-Agent, so the workload's logs can tell checks from traffic (Envoy sends Envoy/HC).</summary>
    public const string UserAgent = "mesh-health-check";

    public async Task<ProbeResult> ProbeAsync(Upstream upstream, CancellationToken ct)
    {
        var uri = new UriBuilder(Uri.UriSchemeHttp, HostFor(upstream.Endpoint.Address), port, path).Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        try
        {
            using var response = await transport.Http1(upstream).SendAsync(request, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return IsExpected(status)
                ? ProbeResult.Pass($"GET {path}: {status}")
                : ProbeResult.Fail($"GET {path}: {status}, not an expected status");
        }
        catch (HttpRequestException e)
        {
            return ProbeResult.Fail($"GET {path}: {e.Message}");
        }
    }

    public bool IsExpected(int status) => expected.Count == 0 ? status is >= 200 and < 300 : expected.Contains(status);

    private static string HostFor(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
