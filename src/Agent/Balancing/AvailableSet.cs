namespace Mesh.Agent.Balancing;

/// <summary>
/// The endpoints of one <see cref="ServiceBalancer"/> snapshot that were available at some moment, or all of them in
/// panic (none available). Immutable. Policies see the same candidate list, and keep their precomputed schedule or
/// ring, until it is replaced.
/// </summary>
/// <remarks>
/// A pick confirms the set is current in O(1): no health or ejection has been set since it was built
/// (<see cref="Upstream.AvailabilityEpoch"/>) and no ejection it saw has run out (the earliest end is kept). Walking the
/// endpoints instead cost ~200 ns per pick at 100 endpoints, more than the policies themselves.
/// </remarks>
internal sealed class AvailableSet
{
    private readonly long _epoch;
    private readonly long _builtAtTicks;
    private readonly long _firstEjectionEndTicks;

    private AvailableSet(Upstream[] all, Upstream[] candidates, bool panic, long epoch, long builtAtTicks, long firstEjectionEndTicks)
    {
        All = all;
        Candidates = candidates;
        Panic = panic;
        _epoch = epoch;
        _builtAtTicks = builtAtTicks;
        _firstEjectionEndTicks = firstEjectionEndTicks;
    }

    /// <summary>The snapshot's endpoints this set was computed from.</summary>
    public Upstream[] All { get; }

    /// <summary>What the policy chooses from: the available endpoints, or all of them in panic.</summary>
    public Upstream[] Candidates { get; }

    /// <summary>No endpoint was available, so <see cref="Candidates"/> is all of them.</summary>
    public bool Panic { get; }

    public static AvailableSet Of(Upstream[] all, DateTimeOffset now)
    {
        // The epoch before the states: a change racing with this build leaves the set with an older epoch, so the next
        // pick rebuilds it.
        var epoch = Upstream.AvailabilityEpoch;
        var firstEnd = long.MaxValue;
        var candidates = new List<Upstream>(all.Length);
        foreach (var upstream in all)
        {
            if (upstream.IsAvailable(now))
            {
                candidates.Add(upstream);
            }
            else if (upstream.IsEjected(now))
            {
                firstEnd = Math.Min(firstEnd, upstream.EjectedUntil.UtcTicks);
            }
        }
        var panic = candidates.Count == 0;
        return new AvailableSet(all, panic ? all : [.. candidates], panic, epoch, now.UtcTicks, firstEnd);
    }

    /// <summary>Whether this set still describes <paramref name="all"/> at <paramref name="now"/>.</summary>
    public bool IsCurrent(Upstream[] all, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        // A clock that went back could bring an ended ejection back into force, so an earlier "now" rebuilds too.
        return ReferenceEquals(all, All)
            && Upstream.AvailabilityEpoch == _epoch
            && ticks < _firstEjectionEndTicks
            && ticks >= _builtAtTicks;
    }
}
