namespace Mesh.Ca;

/// <summary>What `mesh ca rotate` does: records a request in the journal for the running CA to carry out.</summary>
public static class RotationRequest
{
    /// <summary>Writes a rotation request under the journal lock.</summary>
    /// <exception cref="CaKeyException">No journal (run `mesh ca init`), a plug-in CA, or a rotation already in progress.</exception>
    public static string Request(CaOptions options, bool root, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PluginCertsDir is not null)
        {
            throw new CaKeyException($"this CA uses plug-in certificates from {options.PluginCertsDir}; rotate them by replacing those files and restarting the CA");
        }

        var noState = $"{options.StateDir} has no CA state ({JournalFile.FileName}); run `mesh ca init --config <ca.yaml>` or start the CA first";
        if (!File.Exists(JournalFile.PathIn(options.StateDir)))
        {
            throw new CaKeyException(noState);
        }

        using var held = StateDirLock.Acquire(options.StateDir, StateDirLock.Journal, RotationDriver.LockTimeout);
        var journal = JournalFile.TryRead(options.StateDir) ?? throw new CaKeyException(noState);
        if (journal.Rotation is { } current)
        {
            throw new CaKeyException(
                $"a {current.Kind.ToString().ToLowerInvariant()} rotation is already in progress (phase {current.Phase.ToString().ToLowerInvariant()}, requested {current.RequestedAt:o}); wait for it to finish (`mesh ca status`)");
        }

        var kind = root ? RotationKind.Root : RotationKind.Intermediate;
        var next = journal with { Rotation = new RotationRecord(kind, RotationPhase.Requested, (time ?? TimeProvider.System).GetUtcNow()) };
        JournalFile.Write(options.StateDir, next);
        return next.StateText;
    }
}
