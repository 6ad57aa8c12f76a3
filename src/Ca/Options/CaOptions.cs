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
    /// Lifetime of node certificates (what a bootstrap token is exchanged for). Longer than workload certificates so a
    /// CA outage that outlives every workload certificate does not also cost the node its identity, which a one-time
    /// join token could not buy back.
    /// </summary>
    public TimeSpan NodeTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The workload registry file (which workloads run on which node): a node may obtain only those SVIDs. Null means
    /// no workload SVIDs are issued at all.
    /// </summary>
    public string? WorkloadRegistryPath { get; init; }

    /// <summary>Accept Kubernetes service-account tokens of node agents; null accepts none.</summary>
    public KubernetesAuthOptions? Kubernetes { get; init; }

    /// <summary>JSON-lines audit of every request; null means StateDir/issuance-audit.log.</summary>
    public string? AuditLogPath { get; init; }

    /// <summary>Istio-style plug-in CA directory (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem); null means the CA keeps its own root and intermediate in StateDir.</summary>
    public string? PluginCertsDir { get; init; }

    /// <summary>When set, CA private keys are written encrypted and read with this passphrase.</summary>
    public KeyPassphraseSource? KeyPassphrase { get; init; }

    /// <summary>Lifetime of a new signing intermediate; never past the root's notAfter.</summary>
    public TimeSpan IntermediateTtl { get; init; } = IntermediateTemplate.DefaultLifetime;

    public CaRotationOptions Rotation { get; init; } = new();

    internal string ResolvedAuditLogPath => AuditLogPath ?? Path.Combine(StateDir, "issuance-audit.log");
}
