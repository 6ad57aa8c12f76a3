using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tunnel;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Where outbound traffic goes: for a configured outbound listener, an endpoint of its service chosen per connection or
/// request; for a captured connection, the one workload its original destination named.
/// </summary>
internal sealed class OutboundRoute
{
    private readonly RegisteredService? _service;
    private readonly EndpointPicker _picker = new();
    private readonly (PeerKey Key, IPEndPoint Target)? _pinned;

    public OutboundRoute(OutboundListener listener, RegisteredService service, ServicePort port)
    {
        Listener = listener;
        _service = service;
        Port = port;
        ServiceName = service.Name;
    }

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
    public ServicePort Port { get; }
    public string ServiceName { get; }

    /// <summary>The chosen endpoint's pool key and the workload address the peer agent must forward to.</summary>
    public (PeerKey Key, IPEndPoint Target)? Next()
    {
        if (_pinned is not null)
        {
            return _pinned;
        }
        var endpoint = _picker.Pick(_service!);
        if (endpoint is null)
        {
            return null;
        }
        return (new PeerKey(Listener!.Source.Identity, endpoint.Identity, endpoint.Agent), new IPEndPoint(endpoint.Address, Port.TargetPort));
    }
}
