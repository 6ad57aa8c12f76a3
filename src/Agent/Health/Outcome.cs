namespace Mesh.Agent.Health;

/// <summary>What one request (HTTP) or connection (TCP) to an endpoint showed, for outlier detection.</summary>
internal enum OutcomeKind
{
    /// <summary>A response below 500, or a TCP connection made.</summary>
    Success,

    /// <summary>A 5xx response that is not a gateway error (500, 501, 505...).</summary>
    Http5xx,

    /// <summary>502, 503 or 504 from the endpoint.</summary>
    GatewayError,

    /// <summary>No response at all: the tunnel was refused or failed, or the stream was reset before a response.</summary>
    ConnectFailure,
}

/// <summary>One reported result; <see cref="Status"/> is the HTTP status where there was one (0 otherwise).</summary>
internal readonly record struct Outcome(OutcomeKind Kind, int Status = 0)
{
    public static Outcome Success { get; } = new(OutcomeKind.Success);

    public static Outcome ConnectFailure { get; } = new(OutcomeKind.ConnectFailure);

    /// <summary>Classifies a response status the way Envoy's outlier detector does.</summary>
    public static Outcome FromStatus(int status) => status switch
    {
        502 or 503 or 504 => new(OutcomeKind.GatewayError, status),
        >= 500 and < 600 => new(OutcomeKind.Http5xx, status),
        _ => new(OutcomeKind.Success, status),
    };
}
