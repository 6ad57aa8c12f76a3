using System.Net;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>Immutable CA configuration; runtime state (keys, the listener) lives in <see cref="CaServer"/>.</summary>
public sealed record CaOptions
{
    public required TrustDomain TrustDomain { get; init; }

    /// <summary>Holds the root key (mode 0600), root cert, trust bundle and, by default, the audit log.</summary>
    public required string StateDir { get; init; }

    /// <summary>Port 0 picks a free port; <see cref="CaServer.Address"/> reports the bound one.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Longest JWT-SVID the CA mints (the default is 5 minutes): they are bearer tokens, so keep this short.</summary>
    public TimeSpan MaxJwtTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The workload registry file (which workloads run on which node): a node may obtain only those SVIDs. Null means
    /// no workload SVIDs are issued at all.
    /// </summary>
    public string? WorkloadRegistryPath { get; init; }

    /// <summary>Accept Kubernetes service-account tokens of node agents; null accepts none.</summary>
    public KubernetesAuthOptions? Kubernetes { get; init; }

    /// <summary>JSON-lines audit of every request; null means StateDir/issuance-audit.log.</summary>
    public string? AuditLogPath { get; init; }

    internal string ResolvedAuditLogPath => AuditLogPath ?? Path.Combine(StateDir, "issuance-audit.log");
}
