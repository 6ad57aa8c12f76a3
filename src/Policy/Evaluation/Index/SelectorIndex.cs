using System.Collections.Frozen;
using System.Runtime.CompilerServices;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// The policies of one namespace and one role (DENY, ALLOW or reported), by the workload labels their selectors
/// require. Each policy with a selector is filed under one of its matchLabels pairs, the one fewest policies of the
/// list share; policies without a selector (or with an empty one) select every workload and are kept apart. A
/// workload's candidates are, for each label key the index uses, the bucket of the workload's value, plus the
/// selector-less policies, merged by position in the list (policies are sorted by full name), so they come out in
/// the order a full scan visits them. Candidates whose selector has more than the one indexed pair are checked in
/// full. Immutable after construction.
/// </summary>
internal sealed class SelectorIndex
{
    /// <summary>Below this many policies a scan with <see cref="CompiledPolicy.Selects"/> is as cheap as the lookups.</summary>
    public const int MinPolicies = 8;

    /// <summary>The most lists a merge holds without allocating: selector-less + 7 label buckets. More falls back to a scan.</summary>
    public const int MaxLists = 8;

    private readonly CompiledPolicy[] policies;
    private readonly int[] unselected;
    private readonly (string Key, FrozenDictionary<string, int[]> ByValue)[] keys;

    public SelectorIndex(CompiledPolicy[] policies)
    {
        this.policies = policies;
        if (policies.Length < MinPolicies)
        {
            unselected = [];
            keys = [];
            Scan = true;
            return;
        }

        var pairCounts = policies
            .SelectMany(p => p.MatchLabels)
            .CountBy(kv => (kv.Key, kv.Value))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var unselectedList = new List<int>();
        var byKey = new Dictionary<string, Dictionary<string, List<int>>>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Length; i++)
        {
            var labels = policies[i].MatchLabels;
            if (labels.Count == 0)
            {
                unselectedList.Add(i);
                continue;
            }

            // Ties go to the first pair as written, so the index is the same on every load.
            var (key, value) = labels.MinBy(kv => pairCounts[(kv.Key, kv.Value)]);
            if (!byKey.TryGetValue(key, out var byValue))
            {
                byKey[key] = byValue = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            }

            if (!byValue.TryGetValue(value, out var bucket))
            {
                byValue[value] = bucket = [];
            }

            bucket.Add(i);
        }

        unselected = [.. unselectedList];
        keys = byKey
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value.ToFrozenDictionary(v => v.Key, v => v.Value.ToArray(), StringComparer.Ordinal)))
            .ToArray();
        Scan = keys.Length >= MaxLists;
    }

    public CompiledPolicy[] All => policies;

    public int Length => policies.Length;

    /// <summary>True when candidates come from a scan of every policy (too few policies or too many label keys).</summary>
    public bool Scan { get; }

    /// <summary>The policies whose selector picks the workload, in list order; allocation-free.</summary>
    public Candidates For(IReadOnlyDictionary<string, string> labels)
    {
        var candidates = new Candidates(policies, labels, Scan);
        if (Scan)
        {
            return candidates;
        }

        candidates.Add(unselected);
        foreach (var (key, byValue) in keys)
        {
            // Looked up through the workload's own dictionary, with its comparer, as Selects does.
            if (labels.TryGetValue(key, out var value) && byValue.TryGetValue(value, out var bucket) && !candidates.Add(bucket))
            {
                return new Candidates(policies, labels, scan: true);
            }
        }

        return candidates;
    }

    [InlineArray(MaxLists)]
    internal struct Lists
    {
        private int[] first;
    }

    [InlineArray(MaxLists)]
    internal struct Cursors
    {
        private int first;
    }

    /// <summary>
    /// A merge of ascending, disjoint lists of positions (each policy is filed once, and a workload has one value
    /// per key), or a scan when <c>scan</c> is set. Yields only policies that select the workload.
    /// </summary>
    internal ref struct Candidates(CompiledPolicy[] policies, IReadOnlyDictionary<string, string> labels, bool scan)
    {
        private Lists lists;
        private Cursors cursors;
        private int count;
        private int next;

        public CompiledPolicy Current { get; private set; } = null!;

        public bool Add(int[] positions)
        {
            if (count == MaxLists)
            {
                return false;
            }

            lists[count++] = positions;
            return true;
        }

        public bool MoveNext() => scan ? MoveNextScan() : MoveNextMerged();

        public readonly Candidates GetEnumerator() => this;

        private bool MoveNextScan()
        {
            while (next < policies.Length)
            {
                var policy = policies[next++];
                if (policy.Selects(labels))
                {
                    Current = policy;
                    return true;
                }
            }

            return false;
        }

        private bool MoveNextMerged()
        {
            while (true)
            {
                var best = -1;
                var position = int.MaxValue;
                for (var i = 0; i < count; i++)
                {
                    var list = lists[i];
                    var at = cursors[i];
                    if (at < list.Length && list[at] < position)
                    {
                        best = i;
                        position = list[at];
                    }
                }

                if (best < 0)
                {
                    return false;
                }

                cursors[best]++;
                var policy = policies[position];

                // The bucket vouches for one pair (or none, for the selector-less); the others still have to hold.
                if (policy.MatchLabels.Count <= 1 || policy.Selects(labels))
                {
                    Current = policy;
                    return true;
                }
            }
        }
    }
}
