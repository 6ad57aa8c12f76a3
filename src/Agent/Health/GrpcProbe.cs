using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// grpc.health.v1.Health/Check for <c>service</c> ("" asks about the whole server). SERVING is healthy; NOT_SERVING,
/// UNKNOWN, SERVICE_UNKNOWN and every call error (UNIMPLEMENTED included: the server has no health service) are not,
/// as in Envoy's gRPC health checker.
/// </summary>
internal sealed class GrpcProbe(IProbeTransport transport, int port, string service) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(Upstream upstream, CancellationToken ct)
    {
        var address = new UriBuilder(Uri.UriSchemeHttp, upstream.Endpoint.Address.ToString(), port).Uri;
        // The channel is a thin wrapper here: connections belong to the transport's invoker and outlive it.
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new InvokerHandler(transport.Http2(upstream)),
            DisposeHttpClient = true,
        });
        try
        {
            var reply = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: ct).ConfigureAwait(false);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? ProbeResult.Pass($"grpc health '{service}': SERVING")
                : ProbeResult.Fail($"grpc health '{service}': {reply.Status}");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            return ProbeResult.Fail($"grpc health '{service}': {e.StatusCode} {e.Status.Detail}");
        }
        catch (RpcException) when (ct.IsCancellationRequested)
        {
            // The deadline passed: the checker counts it as a timeout, as for the other kinds.
            throw new OperationCanceledException(ct);
        }
    }

    /// <summary>Lets GrpcChannel send through an invoker it does not own (a handler may only have one owner).</summary>
    private sealed class InvokerHandler(HttpMessageInvoker inner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            inner.SendAsync(request, cancellationToken);
    }
}
