namespace Mesh.Policy;

/// <summary>What the connection carries, which decides whether HTTP-only rule fields can apply.</summary>
public enum AuthzProtocol
{
    Tcp,
    Http,
}
