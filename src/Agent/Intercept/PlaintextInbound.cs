using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Inbound;
using Mesh.Agent.Policy;
using Mesh.Agent.Redirect;
using Mesh.Agent.Telemetry;
using Mesh.Policy;
using Microsoft.Extensions.Logging;
using Mesh.Agent.Net;

namespace Mesh.Agent.Intercept;

/// <summary>
/// A connection that reached a pod without the mesh's mTLS (from outside the mesh), captured by the inbound rules.
/// PeerAuthentication for the pod's port decides: STRICT refuses it (a DENY record says so, reason peer_not_mtls);
/// PERMISSIVE (and DISABLE) lets it reach authorization as plaintext, with no peer identity, and the decision log says
/// it was plaintext.
/// </summary>
internal sealed partial class PlaintextInbound(PolicyStore policies, InboundAuthorizer authorizer, InboundHandler inbound, HttpHandover handover, AgentMetrics metrics, ILogger<PlaintextInbound> logger)
{
    public async Task HandleAsync(Socket client, PodServer pod, CancellationToken ct)
    {
        IPEndPoint original;
        try
        {
            original = OriginalDestination.Get(client);
        }
        catch (RedirectException e)
        {
            LogNoDestination(logger, pod.Pod.Key, e.Message);
            client.Dispose();
            return;
        }
        var workload = pod.Pod;
        // A port the pod does not declare is plain TCP to policy (Istio's inbound passthrough).
        var port = workload.FindPort(original.Port) ?? new WorkloadPort(original.Port, PortProtocol.Tcp);
        var mode = policies.PeerAuthentications.ModeFor(workload.Namespace, workload.Labels, original.Port);
        if (mode.Mode == MtlsMode.Strict)
        {
            var address = client.RemoteAddress();
            metrics.PlaintextInbound(served: false);
            var id = authorizer.RefusePlaintext(address, workload, original, mode);
            LogStrictRefused(logger, address?.ToString() ?? "?", workload.Key, original.Port, mode.Policy ?? "defaultMtlsMode", id);
            // RST rather than FIN: the client learns at once that nothing is served to it.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            return;
        }
        metrics.PlaintextInbound(served: true);
        if (port.Protocol != PortProtocol.Tcp)
        {
            await inbound.AcceptPlaintextHttpAsync(client, workload, port, original, pod.Backend, handover, ct).ConfigureAwait(false);
            return;
        }
        await inbound.RelayPlaintextAsync(client, workload, original, pod.Backend, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Captured inbound connection to pod {Pod} closed: {Reason}")]
    private static partial void LogNoDestination(ILogger logger, string pod, string reason);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "DENY plaintext from {Source} to {Workload}:{Port}: mTLS is STRICT ({Policy}) (decision {DecisionId})")]
    private static partial void LogStrictRefused(ILogger logger, string source, string workload, int port, string policy, string decisionId);
}
