using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>
/// The current set and last error of one source, swapped atomically: readers see one immutable snapshot, writers
/// publish a good set or record a failure (which keeps the set).
/// </summary>
internal sealed class SourceState
{
    private sealed record Snapshot(IReadOnlyList<RegisteredService> Services, string? Error);

    private volatile Snapshot _current = new([], null);

    // Serializes writers (a source may refresh from several loops); readers take the volatile snapshot without it.
    private readonly Lock _gate = new();

    public IReadOnlyList<RegisteredService> Services => _current.Services;

    public string? LastError => _current.Error;

    /// <summary>A good refresh: replaces the set and clears the error.</summary>
    public void Publish(IReadOnlyList<RegisteredService> services)
    {
        lock (_gate)
        {
            _current = new Snapshot(services, null);
        }
    }

    /// <summary>Replaces both at once: a source made of parts (one per DNS name) where some refreshed and some failed.</summary>
    public void Set(IReadOnlyList<RegisteredService> services, string? error)
    {
        lock (_gate)
        {
            _current = new Snapshot(services, error);
        }
    }

    /// <summary>A failed refresh: keeps the set, records why. Returns false when the same error was already recorded.</summary>
    public bool Fail(string error)
    {
        lock (_gate)
        {
            var before = _current;
            _current = before with { Error = error };
            return before.Error != error;
        }
    }
}
