using System.Net;
using System.Text.Json;
using Mesh.Policy;

namespace Mesh.Cli.Commands;

/// <summary>Reads a request for `mesh policy eval`: a JSON object keyed by Istio attribute names.</summary>
internal static class EvalRequest
{
    private static readonly HashSet<string> Known =
    [
        "source.principal", "destination.port", "protocol", "request.method", "request.path", "namespace", "labels",
        "source.ip", "remote.ip", "destination.ip", "connection.sni", "request.host", "request.headers",
        "request.auth.principal", "request.auth.audiences", "request.auth.presenter", "request.auth.claims",
    ];

    public static AuthzRequest Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the request must be a JSON object");
        }
        foreach (var property in root.EnumerateObject())
        {
            if (!Known.Contains(property.Name))
            {
                throw new FormatException($"attribute '{property.Name}' is not supported yet; supported: {string.Join(", ", Known)}");
            }
        }
        var protocol = Text(root, "protocol") ?? "http";
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("labels", out var l))
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString() ?? "";
            }
        }
        return new AuthzRequest
        {
            SourcePrincipal = Text(root, "source.principal"),
            DestinationNamespace = Text(root, "namespace") ?? throw new FormatException("'namespace' (of the destination workload) is required"),
            DestinationLabels = labels,
            DestinationPort = root.TryGetProperty("destination.port", out var port)
                ? (port.ValueKind == JsonValueKind.Number ? port.GetInt32() : int.Parse(port.GetString()!, System.Globalization.CultureInfo.InvariantCulture))
                : throw new FormatException("'destination.port' is required"),
            Protocol = protocol switch
            {
                "tcp" => AuthzProtocol.Tcp,
                "http" or "grpc" => AuthzProtocol.Http,
                _ => throw new FormatException($"protocol '{protocol}' must be http, grpc or tcp"),
            },
            Method = Text(root, "request.method"),
            Path = Text(root, "request.path"),
            SourceIp = Ip(root, "source.ip"),
            RemoteIp = Ip(root, "remote.ip"),
            DestinationIp = Ip(root, "destination.ip"),
            Sni = Text(root, "connection.sni"),
            Host = Text(root, "request.host"),
            Headers = root.TryGetProperty("request.headers", out var h)
                ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.OrdinalIgnoreCase)
                : null,
            RequestPrincipal = Text(root, "request.auth.principal"),
            Audiences = root.TryGetProperty("request.auth.audiences", out var aud)
                ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString() ?? "").ToArray() : [aud.GetString() ?? ""]
                : null,
            Presenter = Text(root, "request.auth.presenter"),
            Claims = root.TryGetProperty("request.auth.claims", out var claims) ? claims.Clone() : null,
        };
    }

    private static IPAddress? Ip(JsonElement root, string name) =>
        Text(root, name) is { } text ? IPAddress.Parse(text) : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
