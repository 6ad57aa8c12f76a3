using Grpc.Core;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>Closed result of authenticating a caller and checking it may obtain an identity.</summary>
internal abstract record Authorization
{
    private Authorization()
    {
    }

    internal sealed record Granted(CallerIdentity Caller, SpiffeId Id) : Authorization;

    /// <param name="Caller">Set when authentication succeeded and only the entitlement failed; for the audit log.</param>
    internal sealed record Denied(StatusCode Status, string Reason, CallerIdentity? Caller) : Authorization;
}
