namespace Mesh.Agent.Authn;

/// <summary>A compact JWS whose header passed our checks and whose signature verified with a key of the JWKS.</summary>
/// <param name="Alg">The header's <c>alg</c>.</param>
/// <param name="Kid">The header's <c>kid</c>, if any.</param>
/// <param name="Payload">The decoded payload bytes (for a JWT, the claims JSON).</param>
/// <param name="PayloadSegment">The payload as sent (base64url), for <c>outputPayloadToHeader</c>.</param>
internal sealed record VerifiedJws(string Alg, string? Kid, byte[] Payload, string PayloadSegment);
