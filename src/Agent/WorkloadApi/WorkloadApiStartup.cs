using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.WorkloadApi;

/// <summary>Wires the Workload API into an agent: X.509 from the credential store, JWT through the node's CA client.</summary>
internal static class WorkloadApiStartup
{
    public static async Task<WorkloadApiServer?> StartAsync(AgentOptions options, CredentialStore credentials, NodeIdentity? node, TimeProvider time,
        Action<ILoggingBuilder> configureLogging, ILoggerFactory loggers, CancellationToken ct)
    {
        if (options.WorkloadApi is not { } api)
        {
            return null;
        }
        JwtProfile? jwt = null;
        if (node is not null)
        {
            var svids = new JwtSvidCache(
                async (id, audience, token) => await (await node.ClientAsync(token).ConfigureAwait(false)).MintJwtSvidAsync(id, audience, null, token).ConfigureAwait(false),
                time);
            var bundle = new JwtBundleSource(
                async token => await (await node.ClientAsync(token).ConfigureAwait(false)).GetJwtBundleAsync(token).ConfigureAwait(false),
                time, loggers.CreateLogger<JwtBundleSource>());
            jwt = new JwtProfile(options.TrustDomain, svids, bundle, new JwtSvidValidator(options.TrustDomain, time));
        }
        return await WorkloadApiServer.StartAsync(api, options.Workloads, credentials, jwt, configureLogging, ct).ConfigureAwait(false);
    }
}
