namespace Mesh.Policy;

/// <summary>An AuthorizationPolicy's action. CUSTOM (external authorization) is refused at load.</summary>
public enum PolicyAction
{
    Allow,
    Deny,
    Audit,
}
