namespace Mesh.Policy;

// The sections of a DecisionRecord. Unknown values are null and are left out of the line.

/// <summary>Who asked.</summary>
public sealed record DecisionSource
{
    /// <summary>The peer's SPIFFE ID in <c>spiffe://</c> form; null for a plaintext peer.</summary>
    public string? Principal { get; init; }

    /// <summary>The namespace in the peer's SPIFFE ID, when it has one.</summary>
    public string? Namespace { get; init; }

    public string? Ip { get; init; }

    /// <summary>"mtls" or "plaintext".</summary>
    public string? Tls { get; init; }

    /// <summary>The request's JWT principal (iss/sub); null until request authentication exists.</summary>
    public string? JwtPrincipal { get; init; }

    /// <summary>Selected JWT claims after redaction (<see cref="FieldRedaction"/>); null until request authentication exists.</summary>
    public IReadOnlyDictionary<string, string>? Claims { get; init; }
}

/// <summary>What was reached.</summary>
public sealed record DecisionDestination
{
    /// <summary>"namespace/name".</summary>
    public required string Workload { get; init; }

    public required string Namespace { get; init; }

    public string? Ip { get; init; }

    public required int Port { get; init; }

    /// <summary>The service name, when the agent knows which service the connection was for.</summary>
    public string? Service { get; init; }

    /// <summary>The workload's labels (what selectors matched against), so <c>mesh policy replay</c> can re-decide.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>What was asked.</summary>
public sealed record DecisionRequest
{
    /// <summary>"tcp" or "http".</summary>
    public required string Protocol { get; init; }

    public string? Method { get; init; }

    public string? Host { get; init; }

    /// <summary>The path as the client sent it, query included.</summary>
    public string? Path { get; init; }

    /// <summary>The path the policy matched against (dot segments removed, query cut off).</summary>
    public string? NormalizedPath { get; init; }

    /// <summary>Selected request headers after redaction; null until header logging is configured.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>What was decided, and why in one code.</summary>
public sealed record DecisionResult
{
    /// <summary>"ALLOW" or "DENY".</summary>
    public required string Decision { get; init; }

    /// <summary>False when the decision was only observed (dry run) and the request went ahead anyway.</summary>
    public bool Enforced { get; init; } = true;

    /// <summary>The status the agent itself answered with (403 on an HTTP DENY); null for TCP and for forwarded requests.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>One of <see cref="ReasonCodes"/>.</summary>
    public required string Reason { get; init; }

    /// <summary>The same reason in words.</summary>
    public string? Detail { get; init; }
}

/// <summary>The rule that decided.</summary>
public sealed record DecisionPolicy
{
    /// <summary>"namespace/name".</summary>
    public required string Name { get; init; }

    /// <summary>0-based index in the policy's rules.</summary>
    public int? Rule { get; init; }

    /// <summary>"file:line" of the rule in the policy directory.</summary>
    public string? At { get; init; }
}

/// <summary>A dry-run policy's rule that matched without being enforced.</summary>
public sealed record DryRunMatch
{
    public required string Policy { get; init; }

    public int? Rule { get; init; }

    /// <summary>"ALLOW" or "DENY": what the policy would have decided.</summary>
    public required string Action { get; init; }

    public string? At { get; init; }
}
