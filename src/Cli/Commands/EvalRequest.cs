using System.Text.Json;
using Mesh.Policy;

namespace Mesh.Cli.Commands;

/// <summary>Reads a request for `mesh policy eval`: a JSON object keyed by Istio attribute names.</summary>
internal static class EvalRequest
{
    private static readonly HashSet<string> Known =
    [
        "source.principal", "destination.port", "protocol", "request.method", "request.path", "namespace", "labels",
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
        };
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
