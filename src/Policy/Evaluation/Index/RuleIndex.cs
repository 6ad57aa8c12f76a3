using System.Collections.Frozen;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// The rules of one policy that can match a request, by the request's source principal and destination port
/// (see <see cref="RuleKeys"/>). Each rule sits in exactly one place: under each of its required principals, else
/// under each of its required ports, else on the unindexed list. A request's candidates are one principal bucket,
/// one port bucket and the unindexed list, merged by rule position, so the first candidate that matches is the
/// first rule of the policy that matches, as a full scan would report it.
/// </summary>
internal sealed class RuleIndex
{
    /// <summary>Below this many rules a scan is as fast as the lookups, and the index is not built.</summary>
    public const int MinRules = 8;

    private readonly FrozenDictionary<string, int[]> byPrincipal;
    private readonly FrozenDictionary<int, int[]> byPort;
    private readonly int[] unindexed;

    private RuleIndex(FrozenDictionary<string, int[]> byPrincipal, FrozenDictionary<int, int[]> byPort, int[] unindexed)
    {
        this.byPrincipal = byPrincipal;
        this.byPort = byPort;
        this.unindexed = unindexed;
    }

    /// <returns>The index, or null when it would not pay (few rules, or none of them indexable).</returns>
    public static RuleIndex? Build(IReadOnlyList<CompiledRuleVariants> rules)
    {
        if (rules.Count < MinRules)
        {
            return null;
        }

        var byPrincipal = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byPort = new Dictionary<int, List<int>>();
        var unindexed = new List<int>();
        for (var i = 0; i < rules.Count; i++)
        {
            if (RuleKeys.Principals(rules[i].Http) is { } principals)
            {
                AddAll(byPrincipal, principals, i);
            }
            else if (RuleKeys.Ports(rules[i].Http) is { } ports)
            {
                AddAll(byPort, ports, i);
            }
            else
            {
                unindexed.Add(i);
            }
        }

        return unindexed.Count == rules.Count
            ? null
            : new RuleIndex(
                byPrincipal.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal),
                byPort.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray()),
                [.. unindexed]);
    }

    /// <summary>Positions of the rules that may match, ascending; the caller still evaluates each.</summary>
    public Candidates For(AuthzRequest request)
    {
        var principal = request.SourcePrincipal is { } p && byPrincipal.TryGetValue(p, out var a) ? a : [];
        var port = byPort.TryGetValue(request.DestinationPort, out var b) ? b : [];
        return new Candidates(principal, port, unindexed);
    }

    /// <summary>A three-way merge of ascending, disjoint position lists; allocation-free.</summary>
    internal ref struct Candidates(int[] first, int[] second, int[] third)
    {
        private int i;
        private int j;
        private int k;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            var x = i < first.Length ? first[i] : int.MaxValue;
            var y = j < second.Length ? second[j] : int.MaxValue;
            var z = k < third.Length ? third[k] : int.MaxValue;
            if (x <= y && x <= z && x != int.MaxValue)
            {
                i++;
                Current = x;
                return true;
            }

            if (y <= z && y != int.MaxValue)
            {
                j++;
                Current = y;
                return true;
            }

            if (z != int.MaxValue)
            {
                k++;
                Current = z;
                return true;
            }

            return false;
        }

        public readonly Candidates GetEnumerator() => this;
    }

    private static void AddAll<TKey>(Dictionary<TKey, List<int>> index, IEnumerable<TKey> keys, int rule)
        where TKey : notnull
    {
        foreach (var key in keys)
        {
            if (!index.TryGetValue(key, out var list))
            {
                index[key] = list = [];
            }

            list.Add(rule);
        }
    }
}
