using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Discovery;

/// <summary>
/// The one service registry the agent reads, merged from its sources (file, DNS, Kubernetes). Readers take
/// <see cref="Current"/>, an immutable snapshot swapped whole on every change; <see cref="Changed"/> announces each new one.
/// Precedence is the order the sources are given in (the agent gives file, then DNS, then Kubernetes: what an operator
/// wrote beats what was discovered); a service named by two sources is taken from the first and the conflict is logged
/// (once per conflict, not on every refresh).
/// </summary>
public sealed partial class ServiceCatalog : IAsyncDisposable
{
    private readonly IReadOnlyList<IServiceSource> _sources;
    private readonly ILogger _logger;

    // Serializes rebuilds (sources raise Changed from their own threads) so snapshots are published in order.
    private readonly Lock _gate = new();
    private volatile ServiceRegistry _current = ServiceRegistry.Empty;
    private HashSet<CatalogMerge.Conflict> _loggedConflicts = [];

    public ServiceCatalog(IEnumerable<IServiceSource> sourcesInPrecedenceOrder, ILogger<ServiceCatalog> logger)
    {
        _sources = sourcesInPrecedenceOrder.ToList();
        _logger = logger;
        foreach (var source in _sources)
        {
            source.Changed += OnSourceChanged;
        }
    }

    public ServiceRegistry Current => _current;

    public IReadOnlyList<IServiceSource> Sources => _sources;

    /// <summary>Raised with each new snapshot, after <see cref="Current"/> is swapped.</summary>
    public event Action<ServiceRegistry>? Changed;

    /// <summary>Starts every source (each records its own failure) and publishes the first merged snapshot.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var source in _sources)
        {
            await source.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        Rebuild();
    }

    private void OnSourceChanged(IServiceSource source)
    {
        if (source.LastError is { } error)
        {
            LogSourceFailing(_logger, source.Name, error);
        }
        Rebuild();
    }

    private void Rebuild()
    {
        ServiceRegistry registry;
        lock (_gate)
        {
            var (merged, conflicts) = CatalogMerge.Merge(_sources.Select(s => (s.Name, s.Services)).ToList());
            foreach (var conflict in conflicts.Where(c => !_loggedConflicts.Contains(c)))
            {
                LogConflict(_logger, conflict.Service, conflict.Winner, conflict.Loser);
            }
            _loggedConflicts = [.. conflicts];
            _current = registry = merged;
        }
        Changed?.Invoke(registry);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources)
        {
            source.Changed -= OnSourceChanged;
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "Service {Service} is named by {Winner} and {Loser}; using {Winner}'s entry")]
    private static partial void LogConflict(ILogger logger, string service, string winner, string loser);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "Service source {Source} is failing, its last good services stay: {Reason}")]
    private static partial void LogSourceFailing(ILogger logger, string source, string reason);
}
