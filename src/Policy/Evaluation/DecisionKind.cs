namespace Mesh.Policy;

public enum DecisionKind
{
    Allow,
    Deny,
}
