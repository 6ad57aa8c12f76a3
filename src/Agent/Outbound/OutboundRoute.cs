using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Net;
using Mesh.Identity;
using Mesh.Agent.Tunnel;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Where outbound traffic goes: for a configured outbound listener, an endpoint of its service chosen per connection or
/// request; for a captured connection, the one workload its original destination named.
/// </summary>
internal sealed class OutboundRoute
{
    private readonly (PeerKey Key, IPEndPoint Target)? _pinned;
    private readonly SpiffeId? _source;
    private readonly SocketFactory? _via;

    public OutboundRoute(OutboundListener listener, ServiceCluster cluster, ServicePort port)
    {
        Listener = listener;
        Cluster = cluster;
        Port = port;
        ServiceName = cluster.Name;
        _source = listener.Source.Identity;
    }

    private OutboundRoute(ServiceCluster cluster, ServicePort port, SpiffeId source, SocketFactory via)
    {
        Cluster = cluster;
        Port = port;
        ServiceName = cluster.Name;
        _source = source;
        _via = via;
    }

    /// <summary>A captured connection to a service's virtual address: balanced by its cluster, tunnelled as the pod from inside it.</summary>
    public static OutboundRoute ForPod(ServiceCluster cluster, ServicePort port, SpiffeId source, SocketFactory via) => new(cluster, port, source, via);

    private OutboundRoute(string serviceName, ServicePort port, PeerKey key, IPEndPoint target)
    {
        ServiceName = serviceName;
        Port = port;
        _pinned = (key, target);
    }

    /// <summary>A captured connection to one workload: <paramref name="target"/> through the tunnel named by <paramref name="key"/>.</summary>
    public static OutboundRoute Pinned(string serviceName, ServicePort port, PeerKey key, IPEndPoint target) => new(serviceName, port, key, target);

    /// <summary>The configured listener; null for a captured connection.</summary>
    public OutboundListener? Listener { get; }

    /// <summary>The service's balancer, health, breaker and retry budget; null for a captured connection (one fixed workload).</summary>
    public ServiceCluster? Cluster { get; }
    public ServicePort Port { get; }
    public string ServiceName { get; }

    /// <summary>
    /// The chosen endpoint's pool key, the workload address the peer agent must forward to, and its shared state (null for
    /// a captured connection). <paramref name="avoid"/>: endpoints already tried by this request.
    /// </summary>
    public (PeerKey Key, IPEndPoint Target, Upstream? Upstream)? Next(in PickContext context = default, IReadOnlyCollection<Upstream>? avoid = null)
    {
        if (_pinned is { } pinned)
        {
            return (pinned.Key, pinned.Target, null);
        }
        var upstream = Cluster!.Pick(context, avoid);
        if (upstream is null)
        {
            return null;
        }
        var endpoint = upstream.Endpoint;
        return (new PeerKey(_source!, endpoint.Identity, endpoint.Agent) { Via = _via }, new IPEndPoint(endpoint.Address, endpoint.Port ?? Port.TargetPort), upstream);
    }
}
