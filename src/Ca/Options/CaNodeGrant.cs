using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// One node's entitlement: the SHA-256 (hex) of its bootstrap token and the identities it may
/// ask for. The CA stores only the hash, so its config file does not hold usable secrets.
/// </summary>
public sealed record CaNodeGrant(string Node, string TokenSha256Hex, IReadOnlyList<SpiffeId> Identities);
