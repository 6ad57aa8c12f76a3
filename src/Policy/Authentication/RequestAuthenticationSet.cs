using System.Collections.Frozen;
using Mesh.Policy.Authentication;

namespace Mesh.Policy;

/// <summary>
/// Every loaded RequestAuthentication, immutable. The inbound agent enforces them (Mesh.Agent.Authn); this answers
/// which JWT rules apply to a workload. Istio combines every RequestAuthentication that selects the
/// workload, in its namespace and in the root namespace, "as if they were specified as a single policy".
/// </summary>
public sealed class RequestAuthenticationSet
{
    private readonly FrozenDictionary<string, RequestAuthenticationDefinition[]> byNamespace;
    private readonly string rootNamespace;

    internal RequestAuthenticationSet(IEnumerable<RequestAuthenticationDefinition> policies, string rootNamespace)
    {
        var all = policies.OrderBy(p => p.FullName, StringComparer.Ordinal).ToArray();
        Count = all.Length;
        this.rootNamespace = rootNamespace;
        byNamespace = all.GroupBy(p => p.Namespace, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public static RequestAuthenticationSet Empty { get; } = new([], new PolicyLoaderOptions().RootNamespace);

    public int Count { get; }

    /// <summary>
    /// The jwtRules of every RequestAuthentication selecting this workload: its namespace's first, then the
    /// root namespace's, each by policy name. Empty when none applies (requests need no token).
    /// </summary>
    public IReadOnlyList<JwtRule> RulesFor(string @namespace, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(labels);
        var rules = new List<JwtRule>();
        Collect(@namespace, labels, rules);
        if (@namespace != rootNamespace)
        {
            Collect(rootNamespace, labels, rules);
        }

        return rules;
    }

    private void Collect(string @namespace, IReadOnlyDictionary<string, string> labels, List<JwtRule> into)
    {
        if (!byNamespace.TryGetValue(@namespace, out var policies))
        {
            return;
        }

        foreach (var policy in policies)
        {
            if (LabelSelector.Selects(policy.MatchLabels, labels))
            {
                into.AddRange(policy.Rules);
            }
        }
    }
}
