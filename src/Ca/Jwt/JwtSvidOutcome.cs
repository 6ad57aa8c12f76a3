using Grpc.Core;

namespace Mesh.Ca;

/// <summary>Closed outcome of one MintJwtSvid request; the gRPC shell audits it and maps it to a response or a status.</summary>
internal abstract record JwtSvidOutcome
{
    private JwtSvidOutcome()
    {
    }

    /// <summary>The authenticated caller, when authentication got that far; for the audit log.</summary>
    public CallerIdentity? Caller { get; init; }

    internal sealed record Minted(string Token, string Subject, string Jti, DateTimeOffset Expires) : JwtSvidOutcome;

    internal sealed record Refused(StatusCode Status, string Reason) : JwtSvidOutcome;
}
