using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>
/// Drives the journal on the running CA: each tick reads it (so `mesh ca rotate`, another process,
/// is picked up), performs the step the planner says is due, writes the journal, and swaps the
/// keyring when the journal changed. A replica with <c>rotation.drive: false</c> only follows.
/// </summary>
internal sealed partial class RotationDriver
{
    internal static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private readonly CaStateStore _store;
    private readonly CaKeyring _keyring;
    private readonly CaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // Guards _applied and serializes ticks: the timer and a test may tick at once.
    private readonly Lock _gate = new();
    private string _applied;

    private RotationDriver(CaStateStore store, CaKeyring keyring, CaOptions options, TimeProvider time, ILogger logger, string applied)
    {
        _store = store;
        _keyring = keyring;
        _options = options;
        _time = time;
        _logger = logger;
        _applied = applied;
    }

    internal CaKeyring Keyring => _keyring;

    /// <summary>Opens (or creates) the state dir and resumes any rotation exactly where the journal says it is.</summary>
    internal static RotationDriver Open(CaStateStore store, CaOptions options, TimeProvider time, ILogger logger)
    {
        CaJournal journal;
        Directory.CreateDirectory(store.StateDir);
        using (StateDirLock.Acquire(store.StateDir, StateDirLock.Journal, LockTimeout))
        {
            journal = store.Initialize();
            if (options.Rotation.Drive)
            {
                var (renewed, obsolete) = store.RenewIfExpired(journal);
                if (!ReferenceEquals(renewed, journal))
                {
                    JournalFile.Write(store.StateDir, renewed);
                    store.Delete(obsolete);
                    journal = renewed;
                }
            }
        }

        var keys = store.Load(journal);
        store.WriteBundle(keys);
        LogResumed(logger, journal.StateText, keys.Signer.Subject, keys.Signer.Thumbprint);
        return new RotationDriver(store, new CaKeyring(keys), options, time, logger, JournalFile.Serialize(journal));
    }

    internal void Tick()
    {
        lock (_gate)
        {
            CaJournal journal;
            if (_options.Rotation.Drive)
            {
                using var held = StateDirLock.Acquire(_store.StateDir, StateDirLock.Journal, LockTimeout);
                journal = ReadJournal();
                var step = RotationPlanner.Next(journal, _time.GetUtcNow(), _options.Rotation.PublishBeforeActivate, _options.MaxTtl);
                if (step is not RotationStep.Wait)
                {
                    var (next, obsolete) = _store.Apply(journal, step);
                    JournalFile.Write(_store.StateDir, next);
                    _store.Delete(obsolete);
                    LogStep(_logger, step.GetType().Name.ToLowerInvariant(), journal.Rotation!.Kind, next.StateText);
                    journal = next;
                }
            }
            else
            {
                journal = ReadJournal();
            }

            var text = JournalFile.Serialize(journal);
            if (text != _applied)
            {
                var keys = _store.Load(journal);
                _keyring.Swap(keys);
                _store.WriteBundle(keys);
                _applied = text;
                LogSwapped(_logger, keys.RotationState, keys.Signer.Subject, keys.Bundle.Roots.Count);
            }
        }
    }

    /// <summary>The timer's entry: a failed tick (an unreadable passphrase file, a full disk) is logged and retried, never fatal.</summary>
    internal void TickLogged()
    {
        try
        {
            Tick();
        }
        catch (Exception e) when (e is CaKeyException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            LogTickFailed(_logger, e.Message);
        }
    }

    private CaJournal ReadJournal() =>
        JournalFile.TryRead(_store.StateDir) ?? throw new CaKeyException($"{JournalFile.PathIn(_store.StateDir)} disappeared; restore it from backup");

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "CA keys resumed in state {State}; signing with {Subject} ({Thumbprint})")]
    private static partial void LogResumed(ILogger logger, string state, string subject, string thumbprint);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "CA {Kind} rotation: {Step} done, now {State}")]
    private static partial void LogStep(ILogger logger, string step, RotationKind kind, string state);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "CA keyring swapped: state {State}, signing with {Subject}, {Roots} root(s) in the bundle")]
    private static partial void LogSwapped(ILogger logger, string state, string subject, int roots);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "CA rotation tick failed, retrying at the next poll: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, string reason);
}
