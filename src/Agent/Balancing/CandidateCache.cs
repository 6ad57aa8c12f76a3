namespace Mesh.Agent.Balancing;

/// <summary>
/// One policy's precomputation (schedule, prefix sums, ring) for the candidate set it last saw, rebuilt only when the
/// set or a weight changes. Lock-free: readers take the current entry; two threads that see a new set at once may both
/// build, and the last write wins, which is harmless because the builds are equal.
/// </summary>
internal sealed class CandidateCache<T>
    where T : class
{
    private Entry? _entry;

    /// <summary>The value for <paramref name="candidates"/>, built by <paramref name="build"/> when the set changed.</summary>
    public T Get<TState>(IReadOnlyList<Upstream> candidates, TState state, Func<Upstream[], int[], TState, T> build)
    {
        var entry = Volatile.Read(ref _entry);
        if (entry is not null && entry.Matches(candidates))
        {
            return entry.Value;
        }
        var members = candidates.ToArray();
        var weights = Array.ConvertAll(members, LoadBalancers.WeightOf);
        var built = new Entry(candidates, members, weights, build(members, weights, state));
        Volatile.Write(ref _entry, built);
        return built.Value;
    }

    private sealed class Entry(IReadOnlyList<Upstream> source, Upstream[] members, int[] weights, T value)
    {
        public T Value => value;

        // Same list object: unchanged by ILoadBalancer's contract. Otherwise compare members and weights, O(n) without
        // allocating, so a caller that builds an equal list per pick still reuses the precomputation.
        public bool Matches(IReadOnlyList<Upstream> candidates)
        {
            if (ReferenceEquals(source, candidates))
            {
                return true;
            }
            if (candidates.Count != members.Length)
            {
                return false;
            }
            for (var i = 0; i < members.Length; i++)
            {
                if (!ReferenceEquals(candidates[i], members[i]) || LoadBalancers.WeightOf(candidates[i]) != weights[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
