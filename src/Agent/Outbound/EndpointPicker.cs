using Mesh.Agent.Config;

namespace Mesh.Agent.Outbound;

/// <summary>Round-robin over a service's endpoints (per connection for TCP, per request for HTTP).</summary>
internal sealed class EndpointPicker
{
    private int _next = -1;

    public ServiceEndpoint? Pick(RegisteredService service)
    {
        var endpoints = service.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }
        var i = (uint)Interlocked.Increment(ref _next) % (uint)endpoints.Count;
        return endpoints[(int)i];
    }
}
