using Mesh.Policy.Authentication;

namespace Mesh.Policy.Loading;

/// <summary>The PeerAuthentication and RequestAuthentication documents read from all files, before cross-file checks.</summary>
internal sealed class AuthnDefinitions
{
    public List<PeerAuthenticationDefinition> Peer { get; } = [];

    public List<RequestAuthenticationDefinition> Request { get; } = [];
}
