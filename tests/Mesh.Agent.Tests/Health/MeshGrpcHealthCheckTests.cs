using System.Net;
using Grpc.Health.V1;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Mesh.Agent.Identity;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tests.Http;
using Mesh.Agent.Tunnel;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Health;

/// <summary>
/// A grpc.health.v1 check made through the tunnel as the frontend's identity: HTTP/2 on a mux stream to the backend's
/// agent, h2c from there to the workload's gRPC port. The workload's reported status decides.
/// </summary>
public sealed class MeshGrpcHealthCheckTests(HttpMesh mesh) : IClassFixture<HttpMesh>
{
    [Fact]
    public async Task A_gRPC_check_through_the_mesh_follows_the_workloads_serving_status()
    {
        var credentials = new CredentialStore(Support.TestCa.TrustDomain, TimeProvider.System);
        credentials.Set(await mesh.Ca.IssueAsync(HttpMesh.FrontendId));
        using var metrics = new AgentMetrics();
        await using var pool = new PeerConnectionPool(credentials, metrics, TimeProvider.System, TimeSpan.FromSeconds(3), NullLogger<PeerConnectionPool>.Instance);
        var probe = new GrpcProbe(new MeshProbeTransport(pool, HttpMesh.FrontendId), mesh.Backend.GrpcPort, "checkout");
        var upstream = new Upstream(new ServiceEndpoint(IPAddress.Loopback, mesh.BackendAgent.InboundEndpoint, HttpMesh.BackendId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        mesh.Backend.Health.SetStatus("checkout", HealthCheckResponse.Types.ServingStatus.Serving);
        var serving = await probe.ProbeAsync(upstream, timeout.Token);
        mesh.Backend.Health.SetStatus("checkout", HealthCheckResponse.Types.ServingStatus.NotServing);
        var notServing = await probe.ProbeAsync(upstream, timeout.Token);

        Assert.True(serving.Healthy, serving.Detail);
        Assert.False(notServing.Healthy, notServing.Detail);
        Assert.Contains("NOT_SERVING", notServing.Detail.ToUpperInvariant().Replace("NOTSERVING", "NOT_SERVING", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(1, metrics.OutboundTlsHandshakes);
    }
}
