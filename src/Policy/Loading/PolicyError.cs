namespace Mesh.Policy;

/// <summary>One problem found while loading policies.</summary>
/// <param name="Line">1-based; 0 when the error is about a whole file or directory.</param>
/// <param name="Column">1-based; 0 when the error is about a whole file or directory.</param>
public sealed record PolicyError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
