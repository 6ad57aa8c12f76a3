using Grpc.Core;
using Mesh.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Ca;

/// <summary>
/// <c>mesh ca issue</c>: an operator with access to the CA's state directory signs a CSR by hand (a VM without an agent,
/// a break-glass case). The same CSR checks, leaf profile and audit log apply; the audit record names the operator.
/// </summary>
public static class ManualIssuance
{
    /// <summary>PEM of the issued chain (leaf first, root last); throws <see cref="ManualIssuanceException"/> with the reason.</summary>
    public static string Issue(CaOptions options, string operatorName, string identity, string csrPem, TimeSpan? ttl, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var time = TimeProvider.System;
        // The same key material the CA serves with (state dir under its journal lock, or plug-in certs).
        var keys = CaKeyMaterial.Open(options, time, logger);
        using var audit = new AuditLog(options.ResolvedAuditLogPath);
        var issuer = new Issuer(keys.Keyring, options, time);
        IssuanceOutcome outcome = SpiffeId.TryParse(identity, out var id, out var error)
            ? issuer.IssueManually(operatorName, id, csrPem, (long)(ttl?.TotalSeconds ?? 0))
            : new IssuanceOutcome.Refused(StatusCode.InvalidArgument, $"identity \"{identity}\" is not a SPIFFE ID: {error}")
            {
                Caller = new CallerIdentity(AuthMethod.Manual, "-", operatorName),
            };
        try
        {
            var response = IssuanceAudit.Record(audit, time, outcome, identity, "local", logger, keys.Keyring.Current.Bundle);
            return string.Concat(response.CertChain);
        }
        catch (RpcException e)
        {
            throw new ManualIssuanceException(e.Status.Detail);
        }
    }
}

public sealed class ManualIssuanceException : Exception
{
    public ManualIssuanceException(string message)
        : base(message)
    {
    }

    public ManualIssuanceException()
    {
    }

    public ManualIssuanceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
