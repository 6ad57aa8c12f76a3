using Mesh.Agent.Identity;
using Mesh.Identity;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// Wakes one stream whenever the credential store changes (any identity: a renewal elsewhere may carry a new bundle).
/// Coalescing: many changes between two waits are one wake-up; the stream then compares what it would send with what
/// it sent.
/// </summary>
internal sealed class CredentialSignal : IDisposable
{
    private readonly CredentialStore _store;
    // At most one pending wake-up.
    private readonly SemaphoreSlim _pending = new(0, 1);

    public CredentialSignal(CredentialStore store)
    {
        _store = store;
        _store.Changed += OnChanged;
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);

    private void OnChanged(SpiffeId id)
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
            // The stream ended between the event's snapshot of handlers and this call.
        }
    }

    public void Dispose()
    {
        _store.Changed -= OnChanged;
        _pending.Dispose();
    }
}
