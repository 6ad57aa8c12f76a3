namespace Mesh.Policy.Matching;

/// <summary><c>ports</c> and <c>notPorts</c> of one operation.</summary>
internal sealed class PortConstraint(int[]? include, int[]? exclude)
{
    public static readonly PortConstraint Any = new(null, null);

    public bool Matches(int port) =>
        (include is null || Array.IndexOf(include, port) >= 0)
        && (exclude is null || Array.IndexOf(exclude, port) < 0);
}
