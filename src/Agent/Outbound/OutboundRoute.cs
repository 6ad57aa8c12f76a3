using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tunnel;

namespace Mesh.Agent.Outbound;

/// <summary>Where one outbound listener sends its traffic; chooses an endpoint and its pooled tunnel per connection or request.</summary>
internal sealed class OutboundRoute(OutboundListener listener, RegisteredService service, ServicePort port)
{
    private readonly EndpointPicker _picker = new();

    public OutboundListener Listener => listener;
    public ServicePort Port => port;
    public string ServiceName => service.Name;

    /// <summary>The chosen endpoint's pool key and the workload address the peer agent must forward to.</summary>
    public (PeerKey Key, IPEndPoint Target)? Next()
    {
        var endpoint = _picker.Pick(service);
        if (endpoint is null)
        {
            return null;
        }
        return (new PeerKey(listener.Source.Identity, endpoint.Identity, endpoint.Agent), new IPEndPoint(endpoint.Address, port.TargetPort));
    }
}
