namespace Mesh.Agent.Balancing;

/// <summary>
/// The endpoints of one <see cref="ServiceBalancer"/> snapshot that were available at some moment, or all of them in
/// panic (none available). Immutable; a pick checks it still describes the endpoints' state (an O(n) walk that
/// allocates nothing) and builds a new one only when health or ejection changed, so policies see the same candidate
/// list, and keep their precomputed schedule or ring, between changes.
/// </summary>
internal sealed class AvailableSet
{
    private readonly bool[] _available;

    private AvailableSet(Upstream[] all, bool[] available, Upstream[] candidates, bool panic)
    {
        All = all;
        _available = available;
        Candidates = candidates;
        Panic = panic;
    }

    /// <summary>The snapshot's endpoints this set was computed from.</summary>
    public Upstream[] All { get; }

    /// <summary>What the policy chooses from: the available endpoints, or all of them in panic.</summary>
    public Upstream[] Candidates { get; }

    /// <summary>No endpoint was available, so <see cref="Candidates"/> is all of them.</summary>
    public bool Panic { get; }

    public static AvailableSet Of(Upstream[] all, DateTimeOffset now)
    {
        var available = Array.ConvertAll(all, u => u.IsAvailable(now));
        var candidates = all.Where((_, i) => available[i]).ToArray();
        var panic = candidates.Length == 0;
        return new AvailableSet(all, available, panic ? all : candidates, panic);
    }

    /// <summary>Whether this set still describes <paramref name="all"/> at <paramref name="now"/>.</summary>
    public bool IsCurrent(Upstream[] all, DateTimeOffset now)
    {
        if (!ReferenceEquals(all, All))
        {
            return false;
        }
        for (var i = 0; i < all.Length; i++)
        {
            if (all[i].IsAvailable(now) != _available[i])
            {
                return false;
            }
        }
        return true;
    }
}
