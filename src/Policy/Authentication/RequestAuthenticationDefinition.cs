using Mesh.Policy.Loading;

namespace Mesh.Policy.Authentication;

/// <summary>One validated RequestAuthentication, as written.</summary>
/// <param name="MatchLabels">Null when the policy has no selector or an empty matchLabels (every workload in scope).</param>
internal sealed record RequestAuthenticationDefinition(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string>? MatchLabels,
    IReadOnlyList<JwtRule> Rules,
    SourceLocation Location)
{
    public string FullName => $"{Namespace}/{Name}";
}
