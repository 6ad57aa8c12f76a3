using System.Text;
using System.Text.Json;
using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Identity;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Admin;

/// <summary>
/// The admin listener: liveness, readiness (every served identity has a valid certificate, and the decision log can be
/// written unless the agent is configured to fail open on it), counters.
/// </summary>
internal sealed class AdminEndpoints(
    CredentialStore credentials,
    IReadOnlyCollection<SpiffeId> identities,
    PolicyStore policies,
    IDecisionLog decisionLog,
    DecisionLogFailureMode onLogFailure,
    AgentMetrics metrics)
{
    public Task HandleAsync(HttpContext context) => context.Request.Path.Value switch
    {
        "/healthz" => Text(context, 200, "ok\n"),
        "/ready" => Ready(context),
        "/stats" => Stats(context),
        "/metrics" => Prometheus(context),
        _ => Text(context, 404, "not found; try /healthz, /ready, /stats, /metrics\n"),
    };

    /// <summary>The pods served in-pod, once interception has started; null without it.</summary>
    public Intercept.PodManager? Pods { get; set; }

    /// <summary>The services outbound listeners reach: balancing, health and breaker state per service.</summary>
    public Outbound.ServiceClusters? Clusters { get; set; }

    public IReadOnlyList<SpiffeId> MissingIdentities() => identities.Where(id => !credentials.HasValid(id)).ToList();

    private Task Ready(HttpContext context)
    {
        var reasons = new List<string>();
        var missing = MissingIdentities();
        if (missing.Count > 0)
        {
            reasons.Add("no valid certificate for " + string.Join(", ", missing));
        }
        if (decisionLog.Failure is { } failure && onLogFailure == DecisionLogFailureMode.Closed)
        {
            reasons.Add($"decision log unavailable ({failure.Message}); denying every request");
        }
        if (reasons.Count > 0)
        {
            return Text(context, 503, "not ready: " + string.Join("; ", reasons) + "\n");
        }
        // A rejected reload leaves the agent serving, on the last good policies: ready, but said plainly.
        var errors = policies.LastErrors;
        return errors.Count == 0
            ? Text(context, 200, "ready\n")
            : Text(context, 200, $"ready; the last policy reload was rejected ({errors.Count} errors), enforcing policy generation {policies.Generation}:\n  "
                + string.Join("\n  ", errors) + "\n");
    }

    private Task Stats(HttpContext context)
    {
        var stats = new Dictionary<string, long>
        {
            ["outbound_tls_handshakes"] = metrics.OutboundTlsHandshakes,
            ["outbound_tls_handshake_failures"] = metrics.OutboundTlsHandshakeFailures,
            ["inbound_tls_handshakes"] = metrics.InboundTlsHandshakes,
            ["outbound_connections"] = metrics.OutboundConnections,
            ["inbound_streams"] = metrics.InboundStreams,
            ["authz_allow"] = metrics.Allowed,
            ["authz_deny"] = metrics.Denied,
            ["policies"] = policies.Current.Count,
            ["policy_generation"] = policies.Generation,
            ["policy_reloads_rejected"] = policies.RejectedReloads,
            ["policy_last_reload_errors"] = policies.LastErrors.Count,
            ["decision_log_failed"] = decisionLog.Failure is null ? 0 : 1,
            ["intercept_outbound_to_mesh"] = metrics.CapturedToMesh,
            ["intercept_outbound_passthrough"] = metrics.CapturedPassthrough,
            ["intercept_outbound_refused"] = metrics.CapturedRefused,
            ["intercept_plaintext_inbound_served"] = metrics.PlaintextServed,
            ["intercept_plaintext_inbound_refused"] = metrics.PlaintextRefused,
        };
        stats["outbound_retries"] = metrics.Retries;
        stats["outbound_circuit_breaker_refusals"] = metrics.CircuitBreakerRefusals;
        foreach (var cluster in Clusters?.All ?? [])
        {
            var prefix = $"service.{cluster.Name}.";
            stats[prefix + "endpoints"] = cluster.Upstreams.Count;
            stats[prefix + "panic_picks"] = cluster.PanicPicks;
            stats[prefix + "in_panic"] = cluster.InPanic ? 1 : 0;
            stats[prefix + "circuit_breaker_refusals"] = cluster.Breaker.Tripped;
            stats[prefix + "retry_budget_exhausted"] = cluster.Retries?.Exhausted ?? 0;
            if (cluster.Health is { } health)
            {
                stats[prefix + "unhealthy"] = health.Unhealthy;
                stats[prefix + "ejected"] = health.Ejected;
                stats[prefix + "ejections"] = health.Ejections;
                stats[prefix + "active_check_failures"] = health.ActiveCheckFailures;
            }
        }
        if (Pods is { } pods)
        {
            stats["pods_served"] = pods.Served.Count;
            stats["pods_pending"] = pods.Pending.Count;
            stats["pods_reloads_rejected"] = pods.RejectedReloads;
        }
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(stats, AdminJsonContext.Default.DictionaryStringInt64));
    }

    private Task Prometheus(HttpContext context)
    {
        var sb = new StringBuilder();
        void Counter(string name, string help, long value, string labels = "")
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" counter\n");
            sb.Append(name).Append(labels).Append(' ').Append(value).Append('\n');
        }
        Counter("mesh_outbound_tls_handshakes_total", "Agent-to-agent mTLS handshakes completed as a client.", metrics.OutboundTlsHandshakes);
        Counter("mesh_outbound_tls_handshake_failures_total", "Agent-to-agent mTLS handshakes that failed.", metrics.OutboundTlsHandshakeFailures);
        Counter("mesh_inbound_tls_handshakes_total", "Inbound mTLS handshakes with a verified peer SVID.", metrics.InboundTlsHandshakes);
        Counter("mesh_outbound_connections_total", "App connections and requests accepted by outbound listeners.", metrics.OutboundConnections);
        Counter("mesh_inbound_streams_total", "Streams peers opened to this agent.", metrics.InboundStreams);
        sb.Append("# HELP mesh_authz_decisions_total Authorization decisions.\n# TYPE mesh_authz_decisions_total counter\n");
        sb.Append("mesh_authz_decisions_total{decision=\"allow\"} ").Append(metrics.Allowed).Append('\n');
        sb.Append("mesh_authz_decisions_total{decision=\"deny\"} ").Append(metrics.Denied).Append('\n');
        sb.Append("# HELP mesh_intercept_outbound_total Connections captured leaving pods, by where they went.\n# TYPE mesh_intercept_outbound_total counter\n");
        sb.Append("mesh_intercept_outbound_total{to=\"mesh\"} ").Append(metrics.CapturedToMesh).Append('\n');
        sb.Append("mesh_intercept_outbound_total{to=\"passthrough\"} ").Append(metrics.CapturedPassthrough).Append('\n');
        sb.Append("mesh_intercept_outbound_total{to=\"refused\"} ").Append(metrics.CapturedRefused).Append('\n');
        sb.Append("# HELP mesh_intercept_plaintext_inbound_total Plaintext connections captured arriving at pods: served (PERMISSIVE) or refused (STRICT).\n# TYPE mesh_intercept_plaintext_inbound_total counter\n");
        sb.Append("mesh_intercept_plaintext_inbound_total{result=\"served\"} ").Append(metrics.PlaintextServed).Append('\n');
        sb.Append("mesh_intercept_plaintext_inbound_total{result=\"refused_strict\"} ").Append(metrics.PlaintextRefused).Append('\n');
        Counter("mesh_outbound_retries_total", "Tries made again after a failure (connect failure, reset, retriable status).", metrics.Retries);
        Counter("mesh_outbound_circuit_breaker_refusals_total", "Requests and connections refused by a circuit-breaker threshold.", metrics.CircuitBreakerRefusals);
        if (Clusters?.All is { Count: > 0 } all)
        {
            sb.Append("# HELP mesh_service_panic 1 while no endpoint of the service is available and traffic goes to all of them (panic mode).\n# TYPE mesh_service_panic gauge\n");
            foreach (var cluster in all)
            {
                sb.Append("mesh_service_panic{service=\"").Append(cluster.Name).Append("\"} ").Append(cluster.InPanic ? 1 : 0).Append('\n');
            }
            sb.Append("# HELP mesh_service_endpoints_ejected Endpoints outlier detection keeps out now.\n# TYPE mesh_service_endpoints_ejected gauge\n");
            foreach (var cluster in all)
            {
                sb.Append("mesh_service_endpoints_ejected{service=\"").Append(cluster.Name).Append("\"} ").Append(cluster.Health?.Ejected ?? 0).Append('\n');
            }
            sb.Append("# HELP mesh_service_endpoints_unhealthy Endpoints the active health check marks unhealthy now.\n# TYPE mesh_service_endpoints_unhealthy gauge\n");
            foreach (var cluster in all)
            {
                sb.Append("mesh_service_endpoints_unhealthy{service=\"").Append(cluster.Name).Append("\"} ").Append(cluster.Health?.Unhealthy ?? 0).Append('\n');
            }
        }
        if (Pods is { } served)
        {
            sb.Append("# HELP mesh_pods Pods in the pods file: served (listeners open in their namespace) or pending (no certificate yet, or namespace not there).\n# TYPE mesh_pods gauge\n");
            sb.Append("mesh_pods{state=\"served\"} ").Append(served.Served.Count).Append('\n');
            sb.Append("mesh_pods{state=\"pending\"} ").Append(served.Pending.Count).Append('\n');
        }
        Counter("mesh_policy_reloads_rejected_total", "Policy reloads refused because the directory had errors (the last good policies stayed in force).", policies.RejectedReloads);
        sb.Append("# HELP mesh_policy_generation Successful policy reloads since start.\n# TYPE mesh_policy_generation gauge\n");
        sb.Append("mesh_policy_generation ").Append(policies.Generation).Append('\n');
        sb.Append("# HELP mesh_policy_last_reload_ok 1 when the last reload attempt succeeded, 0 when it was rejected.\n# TYPE mesh_policy_last_reload_ok gauge\n");
        sb.Append("mesh_policy_last_reload_ok ").Append(policies.LastErrors.Count == 0 ? 1 : 0).Append('\n');
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(sb.ToString());
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(body);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class AdminJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
