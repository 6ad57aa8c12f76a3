using System.Collections.Concurrent;
using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Tunnel;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Outbound;

/// <summary>
/// The agent's clusters, one per service it sends traffic to: made at start for the outbound listeners' services and on
/// first use for services reached by a captured connection to their virtual address. Every registry change updates
/// them all.
/// </summary>
internal sealed class ServiceClusters(PeerConnectionPool pool, TimeProvider time, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServiceCluster> _clusters = new(StringComparer.Ordinal);

    public IReadOnlyList<ServiceCluster> All => [.. _clusters.Values];

    /// <summary>The cluster of <paramref name="service"/>; when new, its health checks run through the mesh as <paramref name="prober"/>.</summary>
    public ServiceCluster GetOrAdd(RegisteredService service, SpiffeId prober) =>
        _clusters.GetOrAdd(service.Name, _ => new ServiceCluster(service, new Health.MeshProbeTransport(pool, prober), time, loggers));

    /// <summary>The registry changed: a service that left it keeps its cluster with no endpoints.</summary>
    public void Update(ServiceRegistry registry)
    {
        foreach (var cluster in _clusters.Values)
        {
            _ = cluster.UpdateAsync(registry.Find(cluster.Name) ?? cluster.Service with { Endpoints = [] });
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
