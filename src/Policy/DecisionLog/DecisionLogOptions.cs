namespace Mesh.Policy;

/// <summary>Where and how the decision log is written. Immutable; see docs/decision-log.md.</summary>
public sealed record DecisionLogOptions
{
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>The active file; rotated segments are named <c>&lt;Path&gt;.000001</c> and up.</summary>
    public required string Path { get; init; }

    /// <summary>The node name written on every line.</summary>
    public string Node { get; init; } = "";

    /// <summary>Rotate before the active file would grow past this; 0 never rotates.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Rotated segments to keep (the oldest are deleted); 0 keeps all.</summary>
    public int Keep { get; init; }

    /// <summary>HMAC-SHA256 key for the chain's links; null links with plain SHA-256.</summary>
    public byte[]? HmacKey { get; init; }

    /// <summary>Clock for the chain events' timestamps.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Called once, from the writer, when the log stops being writable.</summary>
    public Action<Exception>? OnFailure { get; init; }
}
