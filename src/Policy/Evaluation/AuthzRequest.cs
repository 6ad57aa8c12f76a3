using System.Collections.Frozen;

namespace Mesh.Policy;

/// <summary>The attributes of one connection or HTTP request that authorization looks at.</summary>
public sealed record AuthzRequest
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = FrozenDictionary<string, string>.Empty;

    /// <summary>Peer identity in Istio's form, without <c>spiffe://</c> (e.g. <c>cluster.local/ns/demo/sa/frontend</c>); null when plaintext.</summary>
    public string? SourcePrincipal { get; init; }

    public required string DestinationNamespace { get; init; }

    public IReadOnlyDictionary<string, string> DestinationLabels { get; init; } = NoLabels;

    public required int DestinationPort { get; init; }

    public AuthzProtocol Protocol { get; init; }

    public string? Method { get; init; }

    /// <summary>
    /// The path as sent, query included. The evaluator normalizes it itself (see Evaluation.RequestPath)
    /// so that no caller can forget to and open a <c>/public/../admin</c> bypass.
    /// </summary>
    public string? Path { get; init; }
}
