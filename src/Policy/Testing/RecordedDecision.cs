using System.Net;
using System.Text.Json;

namespace Mesh.Policy.Testing;

/// <summary>
/// One decision read back from a decision log (schema v1, docs/decision-log.md): the request attributes it recorded
/// and what was decided. Chain events (lines with <c>event</c>) are not decisions and read as null.
/// </summary>
public sealed record RecordedDecision(string Id, string Time, AuthzRequest Request, DecisionKind Decision, string? Policy, int? Rule, bool LabelsRecorded)
{
    /// <summary>Null for chain events; throws <see cref="FormatException"/> for a line that is not a v1 record.</summary>
    public static RecordedDecision? Parse(string line, Func<string, IReadOnlyDictionary<string, string>?>? labelsOf = null)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.TryGetProperty("event", out _))
        {
            return null;
        }
        if (!root.TryGetProperty("schema", out var schema) || schema.GetInt32() != 1)
        {
            throw new FormatException("not a schema 1 decision record");
        }
        var source = root.GetProperty("source");
        var destination = root.GetProperty("destination");
        var request = root.GetProperty("request");
        var result = root.GetProperty("result");
        var workload = Str(destination, "workload") ?? "";
        IReadOnlyDictionary<string, string>? labels = null;
        if (destination.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            labels = l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        }
        var labelsRecorded = labels is not null;
        labels ??= labelsOf?.Invoke(workload);
        var principal = Str(source, "principal");
        var authz = new AuthzRequest
        {
            SourcePrincipal = principal is not null && principal.StartsWith("spiffe://", StringComparison.Ordinal) ? principal["spiffe://".Length..] : principal,
            SourceIp = Str(source, "ip") is { } sip && IPAddress.TryParse(sip, out var s) ? s : null,
            DestinationNamespace = Str(destination, "namespace") ?? workload.Split('/')[0],
            DestinationLabels = labels ?? new Dictionary<string, string>(),
            DestinationIp = Str(destination, "ip") is { } dip && IPAddress.TryParse(dip, out var d) ? d : null,
            DestinationPort = destination.GetProperty("port").GetInt32(),
            Protocol = Str(request, "protocol") == "http" ? AuthzProtocol.Http : AuthzProtocol.Tcp,
            Method = Str(request, "method"),
            // The raw path as sent: the evaluator normalizes it again, exactly as it did live.
            Path = Str(request, "path"),
            Host = Str(request, "host"),
        };
        var decided = Str(result, "decision") == "ALLOW" ? DecisionKind.Allow : DecisionKind.Deny;
        string? policy = null;
        int? rule = null;
        if (root.TryGetProperty("policy", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            policy = Str(p, "name");
            rule = p.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32() : null;
        }
        return new RecordedDecision(Str(root, "id") ?? "", Str(root, "time") ?? "", authz, decided, policy, rule, labelsRecorded || labels is not null);
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
