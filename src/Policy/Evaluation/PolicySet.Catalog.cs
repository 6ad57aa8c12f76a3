namespace Mesh.Policy;

/// <summary>Every loaded rule, for tools that report coverage (<c>mesh policy test</c>).</summary>
public sealed partial class PolicySet
{
    /// <summary>"namespace/name" and the number of rules of every policy, ordered by name.</summary>
    public IReadOnlyList<(string Policy, int Rules)> Catalog() =>
        [.. byNamespace.Values.SelectMany(n => n.All).OrderBy(p => p.FullName, StringComparer.Ordinal).Select(p => (p.FullName, p.Rules.Count))];
}
