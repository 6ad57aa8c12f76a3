using Mesh.Policy;

namespace Mesh.Agent.Config;

/// <summary>What the agent does when the decision log cannot be written.</summary>
public enum DecisionLogFailureMode
{
    /// <summary>Deny every new request with reason decision_log_unavailable and report not ready (the default).</summary>
    Closed,

    /// <summary>Keep deciding by policy without an audit trail; the failure is logged and counted.</summary>
    Open,
}

/// <summary>The decision log's settings beside its path (<see cref="AgentOptions.DecisionLogPath"/>).</summary>
public sealed record DecisionLogSettings
{
    /// <summary>Rotate before the active file passes this many bytes; 0 never rotates.</summary>
    public long MaxBytes { get; init; } = DecisionLogOptions.DefaultMaxBytes;

    /// <summary>Rotated segments to keep; 0 keeps all (an audit log deletes nothing unless told to).</summary>
    public int Keep { get; init; }

    public DecisionLogFailureMode OnFailure { get; init; } = DecisionLogFailureMode.Closed;

    /// <summary>HMAC key for the chain links (the key file's exact bytes); null links with plain SHA-256.</summary>
    public byte[]? HmacKey { get; init; }

    /// <summary>Claim and header names logged only as "sha256:&lt;hex&gt;".</summary>
    public IReadOnlyList<string> RedactHash { get; init; } = [];

    /// <summary>Claim and header names never logged.</summary>
    public IReadOnlyList<string> RedactDrop { get; init; } = [];
}
