namespace Mesh.Ca;

/// <summary>The next thing a rotation should do, or when it may; "when" split from "how" as in SPIRE.</summary>
internal abstract record RotationStep
{
    private RotationStep()
    {
    }

    /// <summary>Nothing to do now; <paramref name="DueAt"/> is when the next phase may start, if a rotation is under way.</summary>
    internal sealed record Wait(DateTimeOffset? DueAt) : RotationStep;

    internal sealed record Prepare : RotationStep;

    internal sealed record Activate : RotationStep;

    internal sealed record Retire : RotationStep;
}

/// <summary>Pure: journal + clock + timings in, step out. Tested with virtual time.</summary>
internal static class RotationPlanner
{
    /// <summary>
    /// Margin past maxTtl before retiring: leaves are backdated by <see cref="LeafLifetime.Backdate"/>
    /// and a follower replica may sign with the old intermediate for one poll after activation.
    /// </summary>
    internal static readonly TimeSpan RetireMargin = TimeSpan.FromMinutes(1);

    internal static RotationStep Next(CaJournal journal, DateTimeOffset now, TimeSpan publishBeforeActivate, TimeSpan maxTtl)
    {
        if (journal.Rotation is not { } rotation)
        {
            return new RotationStep.Wait(null);
        }

        var due = DueAt(rotation, publishBeforeActivate, maxTtl);
        return rotation.Phase switch
        {
            RotationPhase.Requested => new RotationStep.Prepare(),
            RotationPhase.Prepared when now >= due => new RotationStep.Activate(),
            RotationPhase.Active when now >= due => new RotationStep.Retire(),
            _ => new RotationStep.Wait(due),
        };
    }

    /// <summary>When the rotation may leave its current phase.</summary>
    internal static DateTimeOffset DueAt(RotationRecord rotation, TimeSpan publishBeforeActivate, TimeSpan maxTtl) => rotation.Phase switch
    {
        RotationPhase.Requested => rotation.RequestedAt,
        // A new root must be in agents' bundles before anything chains to it. A new intermediate
        // under the same root changes no bundle (peers send it in the TLS chain), so it may sign at once.
        RotationPhase.Prepared => rotation.PreparedAt!.Value + (rotation.Kind == RotationKind.Root ? publishBeforeActivate : TimeSpan.Zero),
        // The old material is trusted until every leaf signed under it has expired: the last was
        // signed at activation and lives at most maxTtl.
        RotationPhase.Active => rotation.ActivatedAt!.Value + maxTtl + RetireMargin,
        _ => throw new ArgumentOutOfRangeException(nameof(rotation)),
    };
}
