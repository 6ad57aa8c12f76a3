using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>Writes the audit record for a JWT-SVID request into the issuance audit log, logs it, and returns the token or throws the status.</summary>
internal static partial class JwtAudit
{
    internal static string Record(AuditLog audit, TimeProvider time, JwtSvidOutcome outcome, string requestedIdentity, IReadOnlyList<string> audience, string? peer, ILogger logger)
    {
        var caller = outcome.Caller;
        switch (outcome)
        {
            case JwtSvidOutcome.Minted minted:
                audit.Write(new AuditRecord(time.GetUtcNow(), peer, caller?.MethodName, caller?.Principal, caller?.Node, requestedIdentity,
                    minted.Subject, "issued", StatusCode.OK.ToString(), null, null, minted.Expires, null)
                {
                    Kind = "jwt-svid",
                    Audience = audience,
                    Jti = minted.Jti,
                });
                LogMinted(logger, caller?.Node, minted.Subject, string.Join(",", audience), minted.Jti, minted.Expires);
                return minted.Token;

            case JwtSvidOutcome.Refused refused:
                audit.Write(new AuditRecord(time.GetUtcNow(), peer, caller?.MethodName, caller?.Principal, caller?.Node, requestedIdentity,
                    null, "refused", refused.Status.ToString(), refused.Reason, null, null, null)
                {
                    Kind = "jwt-svid",
                    Audience = audience,
                });
                LogRefused(logger, caller?.Node, requestedIdentity, refused.Status, refused.Reason);
                throw new RpcException(new Status(refused.Status, refused.Reason));

            default:
                throw new InvalidOperationException("unreachable: JwtSvidOutcome is closed");
        }
    }

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Minted JWT-SVID {Identity} for node {Node}, audience {Audience}, jti {Jti}, expires {Expires:o}")]
    private static partial void LogMinted(ILogger logger, string? node, string identity, string audience, string jti, DateTimeOffset expires);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Refused JWT-SVID {Identity} for node {Node}: {Status} {Reason}")]
    private static partial void LogRefused(ILogger logger, string? node, string identity, StatusCode status, string reason);
}
