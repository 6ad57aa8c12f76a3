using System.Text.Json;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>The fields of a core/v1 Service the mesh uses.</summary>
internal sealed record KubeService(string Namespace, string Name, IReadOnlyList<KubeServicePort> Ports)
{
    /// <summary>spec.clusterIPs (or clusterIP); "None" (headless) is left out.</summary>
    public IReadOnlyList<string> ClusterIps { get; init; } = [];

    public static KubeService Parse(JsonElement o) => new(
        o.Str("metadata", "namespace") ?? "",
        o.Str("metadata", "name") ?? "",
        o.Array("spec", "ports").Select(p => new KubeServicePort(
            p.Str("name") ?? "",
            p.Int("port") ?? 0,
            p.TryGetProperty("targetPort", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null,
            p.TryGetProperty("targetPort", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null,
            p.Str("protocol") ?? "TCP",
            p.Str("appProtocol"))).ToList())
    {
        ClusterIps = [.. o.Array("spec", "clusterIPs").Select(ip => ip.GetString() ?? "")
            .DefaultIfEmpty(o.TryGetProperty("spec", out var spec) && spec.TryGetProperty("clusterIP", out var one) ? one.GetString() ?? "" : "")
            .Where(ip => ip.Length > 0 && ip != "None")],
    };
}

internal sealed record KubeServicePort(string Name, int Port, int? TargetPort, string? TargetPortName, string Protocol, string? AppProtocol);

/// <summary>The fields of a discovery.k8s.io/v1 EndpointSlice the mesh uses.</summary>
internal sealed record KubeEndpointSlice(string Namespace, string Name, string? ServiceName, string AddressType, IReadOnlyList<(string Name, int Port)> Ports, IReadOnlyList<KubeEndpoint> Endpoints)
{
    public static KubeEndpointSlice Parse(JsonElement o)
    {
        string? service = null;
        if (o.TryGetProperty("metadata", out var m) && m.TryGetProperty("labels", out var labels) && labels.TryGetProperty("kubernetes.io/service-name", out var s))
        {
            service = s.GetString();
        }
        return new KubeEndpointSlice(
            o.Str("metadata", "namespace") ?? "",
            o.Str("metadata", "name") ?? "",
            service,
            o.Str("addressType") ?? "IPv4",
            o.Array("ports").Select(p => (p.Str("name") ?? "", p.Int("port") ?? 0)).ToList(),
            o.Array("endpoints").Select(e => new KubeEndpoint(
                e.Array("addresses").Select(a => a.GetString() ?? "").ToList(),
                // discovery.k8s.io/v1: "a nil value should be interpreted as ready" (unknown state).
                !(e.TryGetProperty("conditions", out var c) && c.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.False),
                e.Str("targetRef", "kind") == "Pod" ? e.Str("targetRef", "name") : null,
                e.Str("targetRef", "namespace"))).ToList());
    }
}

internal sealed record KubeEndpoint(IReadOnlyList<string> Addresses, bool Ready, string? PodName, string? PodNamespace);

/// <summary>The fields of a core/v1 Pod the mesh uses.</summary>
internal sealed record KubePod(string Namespace, string Name, string ServiceAccount, string? NodeName, string? PodIp, string Phase, bool HostNetwork,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(string Name, int Port, string Protocol)> ContainerPorts)
{
    public static KubePod Parse(JsonElement o)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o.TryGetProperty("metadata", out var m) && m.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString() ?? "";
            }
        }
        return new KubePod(
            o.Str("metadata", "namespace") ?? "",
            o.Str("metadata", "name") ?? "",
            // The API server sets "default" when the pod spec leaves it out; older objects may still lack it.
            o.Str("spec", "serviceAccountName") is { Length: > 0 } sa ? sa : "default",
            o.Str("spec", "nodeName"),
            o.Str("status", "podIP"),
            o.Str("status", "phase") ?? "Pending",
            o.TryGetProperty("spec", out var spec) && spec.TryGetProperty("hostNetwork", out var h) && h.ValueKind == JsonValueKind.True,
            labels,
            o.Array("spec", "containers").SelectMany(c => c.Array("ports"))
                .Select(p => (p.Str("name") ?? "", p.Int("containerPort") ?? 0, p.Str("protocol") ?? "TCP")).ToList());
    }
}

/// <summary>Null-tolerant reading of nested JSON fields (absent or null fields read as null or empty).</summary>
internal static class Json
{
    public static string? Str(this JsonElement e, params string[] path) =>
        Walk(e, path) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static int? Int(this JsonElement e, params string[] path) =>
        Walk(e, path) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i : null;

    public static IEnumerable<JsonElement> Array(this JsonElement e, params string[] path) =>
        Walk(e, path) is { ValueKind: JsonValueKind.Array } v ? v.EnumerateArray() : [];

    private static JsonElement? Walk(JsonElement e, string[] path)
    {
        foreach (var name in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e))
            {
                return null;
            }
        }
        return e;
    }
}
