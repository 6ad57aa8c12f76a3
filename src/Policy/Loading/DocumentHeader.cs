namespace Mesh.Policy.Loading;

/// <summary>The validated metadata of one policy document, whatever its kind.</summary>
internal sealed record DocumentHeader(string Namespace, string Name, SourceLocation Location)
{
    public string FullName => $"{Namespace}/{Name}";
}
