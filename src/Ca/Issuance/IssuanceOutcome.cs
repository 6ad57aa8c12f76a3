using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace Mesh.Ca;

/// <summary>Closed outcome of one issuance request; the gRPC shell maps it to a response or a status.</summary>
internal abstract record IssuanceOutcome
{
    private IssuanceOutcome()
    {
    }

    /// <summary>The authenticated caller, when authentication got that far; for the audit log.</summary>
    public CallerIdentity? Caller { get; init; }

    /// <summary>The node the caller speaks for, when authenticated.</summary>
    public string? Node => Caller?.Node;

    /// <summary>SHA-256 hex of the CSR's SubjectPublicKeyInfo, when the CSR parsed.</summary>
    public string? PublicKeySha256 { get; init; }

    internal sealed record Issued(X509Certificate2 Leaf) : IssuanceOutcome
    {
        /// <summary>What follows the leaf in a response: the signer, any further intermediates, the root last.</summary>
        public X509Certificate2Collection Chain { get; init; } = [];
    }

    internal sealed record Refused(StatusCode Status, string Reason) : IssuanceOutcome;
}
