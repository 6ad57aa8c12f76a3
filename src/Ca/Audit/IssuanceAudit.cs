using Grpc.Core;
using Mesh.Identity;
using Mesh.Identity.CaApi;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>Writes the audit record for an outcome, logs it, and turns it into a response or an RpcException.</summary>
internal static partial class IssuanceAudit
{
    internal static CreateCertificateResponse Record(AuditLog audit, TimeProvider time, IssuanceOutcome outcome, string requestedIdentity, string? peer, ILogger logger, TrustBundle bundle)
    {
        var caller = outcome.Caller;
        switch (outcome)
        {
            case IssuanceOutcome.Issued issued:
                using (var leaf = issued.Leaf)
                {
                    var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                    SvidValidator.TryGetSpiffeId(leaf, out var granted, out _);
                    audit.Write(new AuditRecord(time.GetUtcNow(), peer, caller?.MethodName, caller?.Principal, caller?.Node, requestedIdentity,
                        granted?.ToString(), "issued", StatusCode.OK.ToString(), null, leaf.SerialNumber, notAfter, outcome.PublicKeySha256));
                    LogIssued(logger, caller?.Node, caller?.MethodName, granted?.ToString(), leaf.SerialNumber, notAfter);
                    return CaResponses.Issued(leaf, issued.Chain, bundle);
                }

            case IssuanceOutcome.Refused refused:
                audit.Write(new AuditRecord(time.GetUtcNow(), peer, caller?.MethodName, caller?.Principal, caller?.Node, requestedIdentity,
                    null, "refused", refused.Status.ToString(), refused.Reason, null, null, outcome.PublicKeySha256));
                LogRefused(logger, caller?.Node, caller?.MethodName, requestedIdentity, refused.Status, refused.Reason);
                throw new RpcException(new Status(refused.Status, refused.Reason));

            default:
                throw new InvalidOperationException("unreachable: IssuanceOutcome is closed");
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Issued {Identity} to node {Node} ({Method}), serial {Serial}, not after {NotAfter:o}")]
    private static partial void LogIssued(ILogger logger, string? node, string? method, string? identity, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Refused {Identity} for node {Node} ({Method}): {Status} {Reason}")]
    private static partial void LogRefused(ILogger logger, string? node, string? method, string identity, StatusCode status, string reason);
}
