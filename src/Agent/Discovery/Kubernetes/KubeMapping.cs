using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>
/// Maps Kubernetes objects to the mesh's registry (pure). A Service <c>svc</c> in namespace <c>ns</c> is the mesh
/// service <c>svc.ns</c>; its TCP ports keep their number, take their protocol from appProtocol or else the port name's
/// prefix (Istio's convention: <c>http</c>, <c>http2</c>, <c>grpc</c>, each alone or followed by <c>-suffix</c>; anything
/// else is TCP), and their target port from the Service (a number) or the EndpointSlices (a named port). Endpoints are
/// the ready addresses of the Service's EndpointSlices that are backed by a known Pod: the Pod's service account gives
/// the identity <c>spiffe://td/ns/ns/sa/sa</c>, and the agent is the in-pod tunnel at <c>podIP:agentPort</c>.
/// </summary>
internal static class KubeMapping
{
    public static IReadOnlyList<RegisteredService> Services(IEnumerable<KubeService> services, IEnumerable<KubeEndpointSlice> slices, IReadOnlyDictionary<(string, string), KubePod> pods, TrustDomain trustDomain, int agentPort)
    {
        var slicesByService = slices.Where(s => s.ServiceName is not null).ToLookup(s => (s.Namespace, s.ServiceName!));
        var result = new List<RegisteredService>();
        foreach (var svc in services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            var mine = slicesByService[(svc.Namespace, svc.Name)].ToList();
            var ports = svc.Ports.Where(p => p.Protocol == "TCP" && p.Port is > 0 and <= 65535)
                .Select(p => new ServicePort(p.Port, TargetPort(p, mine), Protocol(p.AppProtocol, p.Name)))
                .ToList();
            var endpoints = new List<ServiceEndpoint>();
            var seen = new HashSet<IPAddress>();
            foreach (var endpoint in mine.Where(s => s.AddressType is "IPv4" or "IPv6").SelectMany(s => s.Endpoints).Where(e => e.Ready && e.PodName is not null))
            {
                if (!pods.TryGetValue((endpoint.PodNamespace ?? svc.Namespace, endpoint.PodName!), out var pod) || Identity(trustDomain, pod) is not { } id)
                {
                    continue; // the pod is not known yet: no identity to expect, so no endpoint until it is
                }
                foreach (var text in endpoint.Addresses)
                {
                    if (IPAddress.TryParse(text, out var address) && seen.Add(address))
                    {
                        endpoints.Add(new ServiceEndpoint(address, new IPEndPoint(address, agentPort), id));
                    }
                }
            }
            result.Add(new RegisteredService($"{svc.Name}.{svc.Namespace}", ports, endpoints)
            {
                Addresses = [.. svc.ClusterIps.Select(ip => IPAddress.TryParse(ip, out var vip) ? vip : null).OfType<IPAddress>()],
            });
        }
        return result;
    }

    /// <summary>
    /// The pods scheduled on <paramref name="nodeName"/> as workloads this agent serves in-pod, in the shape of the pods
    /// file. The API does not say which network namespace a pod has (that is known to the CRI/CNI on the node), so
    /// <see cref="LocalWorkload.Netns"/> is null: the caller must fill it in before intercepting.
    /// </summary>
    public static IReadOnlyList<LocalWorkload> NodePods(IEnumerable<KubePod> pods, string nodeName, TrustDomain trustDomain)
    {
        var result = new List<LocalWorkload>();
        foreach (var pod in pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            if (pod.NodeName != nodeName || pod.HostNetwork || pod.Phase is "Succeeded" or "Failed"
                || !IPAddress.TryParse(pod.PodIp, out var address) || Identity(trustDomain, pod) is not { } id)
            {
                continue;
            }
            result.Add(new LocalWorkload
            {
                Name = pod.Name,
                Namespace = pod.Namespace,
                ServiceAccount = pod.ServiceAccount,
                Labels = pod.Labels,
                Address = address,
                Ports = pod.ContainerPorts.Where(p => p.Protocol == "TCP" && p.Port is > 0 and <= 65535)
                    .Select(p => new WorkloadPort(p.Port, Protocol(null, p.Name))).DistinctBy(p => p.Port).ToList(),
                Identity = id,
                Netns = null,
            });
        }
        return result;
    }

    public static PortProtocol Protocol(string? appProtocol, string portName)
    {
        if (appProtocol is { Length: > 0 })
        {
            switch (appProtocol.ToLowerInvariant())
            {
                case "http": return PortProtocol.Http;
                case "http2" or "kubernetes.io/h2c": return PortProtocol.Http2;
                case "grpc": return PortProtocol.Grpc;
                case "tcp": return PortProtocol.Tcp;
            }
        }
        var prefix = portName.Split('-', 2)[0].ToLowerInvariant();
        return prefix switch
        {
            "http" => PortProtocol.Http,
            "http2" => PortProtocol.Http2,
            "grpc" => PortProtocol.Grpc,
            _ => PortProtocol.Tcp,
        };
    }

    private static int TargetPort(KubeServicePort port, List<KubeEndpointSlice> slices)
    {
        if (port.TargetPort is { } number and > 0)
        {
            return number;
        }
        // A named targetPort resolves per pod; the slices carry the result under the Service port's name.
        foreach (var slice in slices)
        {
            foreach (var (name, p) in slice.Ports)
            {
                if (name == port.Name && p > 0)
                {
                    return p;
                }
            }
        }
        return port.Port;
    }

    private static SpiffeId? Identity(TrustDomain trustDomain, KubePod pod)
    {
        try
        {
            return SpiffeId.ForWorkload(trustDomain, pod.Namespace, pod.ServiceAccount);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
