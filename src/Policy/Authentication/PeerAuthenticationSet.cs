using System.Collections.Frozen;
using Mesh.Policy.Authentication;

namespace Mesh.Policy;

/// <summary>
/// Every loaded PeerAuthentication, immutable; answers which mTLS mode applies to a workload port.
/// Thread-safe: a reload builds a new set and swaps the reference.
/// </summary>
public sealed class PeerAuthenticationSet
{
    private readonly FrozenDictionary<string, PeerAuthenticationDefinition[]> byNamespace;
    private readonly string rootNamespace;
    private readonly MtlsMode fallback;

    internal PeerAuthenticationSet(IEnumerable<PeerAuthenticationDefinition> policies, string rootNamespace, MtlsMode fallback)
    {
        var all = policies.OrderBy(p => p.FullName, StringComparer.Ordinal).ToArray();
        Count = all.Length;
        this.rootNamespace = rootNamespace;
        this.fallback = fallback;
        byNamespace = all.GroupBy(p => p.Namespace, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>No policies, Istio's default (PERMISSIVE) everywhere.</summary>
    public static PeerAuthenticationSet Empty { get; } = new([], new PolicyLoaderOptions().RootNamespace, MtlsMode.Permissive);

    public int Count { get; }

    /// <summary>The mode used when no policy sets one (PERMISSIVE unless the agent is configured STRICT).</summary>
    public MtlsMode DefaultMode => fallback;

    /// <summary>
    /// The mTLS mode for traffic to <paramref name="port"/> (the workload's own port, as in portLevelMtls)
    /// of the workload with these labels, and the PeerAuthentication that decided it.
    /// </summary>
    public MtlsDecision ModeFor(string @namespace, IReadOnlyDictionary<string, string> labels, int port)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(labels);
        return PeerAuthenticationComposer.Compose(rootNamespace, Applicable(@namespace, labels), fallback).For(port);
    }

    private IEnumerable<PeerAuthenticationDefinition> Applicable(string @namespace, IReadOnlyDictionary<string, string> labels)
    {
        if (@namespace != rootNamespace && byNamespace.TryGetValue(rootNamespace, out var mesh))
        {
            foreach (var policy in mesh)
            {
                yield return policy;
            }
        }

        if (byNamespace.TryGetValue(@namespace, out var local))
        {
            foreach (var policy in local)
            {
                if (LabelSelector.Selects(policy.MatchLabels, labels))
                {
                    yield return policy;
                }
            }
        }
    }
}
