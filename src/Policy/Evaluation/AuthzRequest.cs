using System.Collections.Frozen;
using System.Net;
using System.Text.Json;

namespace Mesh.Policy;

/// <summary>
/// The attributes of one connection or HTTP request that authorization looks at. Every attribute a
/// caller does not know is left null; a rule that needs it then does not match (and its notX form does),
/// exactly as Envoy treats an absent attribute.
/// </summary>
public sealed record AuthzRequest
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = FrozenDictionary<string, string>.Empty;

    /// <summary>Peer identity in Istio's form, without <c>spiffe://</c> (e.g. <c>cluster.local/ns/demo/sa/frontend</c>); null when plaintext.</summary>
    public string? SourcePrincipal { get; init; }

    /// <summary>
    /// <c>source.namespace</c>: the <c>ns/&lt;namespace&gt;</c> part of <see cref="SourcePrincipal"/>. Istio reads it from
    /// the peer certificate, never from anything the peer says, so it is derived here and cannot disagree with the principal.
    /// </summary>
    public string? SourceNamespace => PeerIdentity.Parse(SourcePrincipal).Namespace.ToString() is { Length: > 0 } ns ? ns : null;

    /// <summary>Source address of the connection (<c>source.ip</c>, <c>ipBlocks</c>).</summary>
    public IPAddress? SourceIp { get; init; }

    /// <summary>
    /// Original client address from X-Forwarded-For or PROXY protocol (<c>remote.ip</c>, <c>remoteIpBlocks</c>).
    /// Null means "no such header": Envoy then uses the connection's source address, and so does the evaluator.
    /// </summary>
    public IPAddress? RemoteIp { get; init; }

    public required string DestinationNamespace { get; init; }

    public IReadOnlyDictionary<string, string> DestinationLabels { get; init; } = NoLabels;

    public IPAddress? DestinationIp { get; init; }

    public required int DestinationPort { get; init; }

    public AuthzProtocol Protocol { get; init; }

    /// <summary>TLS server name the peer asked for (<c>connection.sni</c>).</summary>
    public string? Sni { get; init; }

    public string? Method { get; init; }

    /// <summary>
    /// The path as sent, query included. The evaluator normalizes it itself (see Evaluation.RequestPath)
    /// so that no caller can forget to and open a <c>/public/../admin</c> bypass.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>HTTP Host / :authority as sent (<c>hosts</c>, compared case-insensitively).</summary>
    public string? Host { get; init; }

    /// <summary>
    /// Request headers (<c>request.headers[name]</c>); names are compared case-insensitively whatever the
    /// dictionary's comparer. Repeated headers are one entry with the values joined by ',' as Envoy does.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary><c>request.auth.principal</c>: <c>&lt;iss&gt;/&lt;sub&gt;</c> of the validated JWT; null without one.</summary>
    public string? RequestPrincipal { get; init; }

    /// <summary><c>request.auth.audiences</c>: the JWT's <c>aud</c>.</summary>
    public IReadOnlyList<string>? Audiences { get; init; }

    /// <summary><c>request.auth.presenter</c>: the JWT's <c>azp</c>.</summary>
    public string? Presenter { get; init; }

    /// <summary>
    /// <c>request.auth.claims[...]</c>: the validated JWT payload (a JSON object). A claim matches a
    /// value when it is that string or a list holding it; numbers, booleans and objects never match.
    /// </summary>
    public JsonElement? Claims { get; init; }
}
