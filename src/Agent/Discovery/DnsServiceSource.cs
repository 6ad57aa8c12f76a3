using DnsClient;
using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Discovery;

/// <summary>
/// Services whose endpoints come from DNS (registry entries with <c>dns:</c>). Each is re-resolved when its answer's
/// TTL runs out (within <see cref="DnsSourceOptions.MinTtl"/>..<see cref="DnsSourceOptions.MaxTtl"/>); a failed
/// resolution keeps that service's last good endpoints, is retried after
/// <see cref="DnsSourceOptions.RetryAfterFailure"/>, and is named in <see cref="LastError"/>.
/// </summary>
public sealed partial class DnsServiceSource : IServiceSource
{
    private readonly DnsEndpointResolver _resolver;
    private readonly DnsSourceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SourceState _state = new();

    // Guards the fields below; held only to read or swap them, never across a query.
    private readonly Lock _gate = new();
    private IReadOnlyList<DnsServiceDefinition> _definitions;
    private readonly Dictionary<string, IReadOnlyList<ServiceEndpoint>> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private CancellationTokenSource _loops = new();
    private bool _started;

    public DnsServiceSource(IEnumerable<DnsServiceDefinition> definitions, DnsSourceOptions options, ILogger<DnsServiceSource> logger, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _definitions = definitions.ToList();
        var lookup = options.NameServers.Count > 0 ? new LookupClientOptions([.. options.NameServers]) : new LookupClientOptions();
        lookup.UseCache = false; // the source keeps answers for their TTL itself
        lookup.Timeout = options.QueryTimeout;
        lookup.Retries = 1;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        lookup.ContinueOnEmptyResponse = false;
        _resolver = new DnsEndpointResolver(new LookupClient(lookup));
    }

    public string Name => "dns";

    public IReadOnlyList<RegisteredService> Services => _state.Services;

    public string? LastError => _state.LastError;

    public event Action<IServiceSource>? Changed;

    /// <summary>Resolves every service once (so the first set is complete), then keeps re-resolving in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DnsServiceDefinition> definitions;
        CancellationToken loops;
        lock (_gate)
        {
            _started = true;
            definitions = _definitions;
            loops = _loops.Token;
        }
        var first = await Task.WhenAll(definitions.Select(d => ResolveOnceAsync(d, cancellationToken))).ConfigureAwait(false);
        Publish();
        for (var i = 0; i < definitions.Count; i++)
        {
            _ = RefreshLoopAsync(definitions[i], first[i], loops);
        }
    }

    /// <summary>
    /// Replaces the DNS-defined services (after the registry file changed). A service whose DNS settings are unchanged
    /// keeps its endpoints; the others are resolved afresh.
    /// </summary>
    public void SetServices(IEnumerable<DnsServiceDefinition> definitions)
    {
        var list = definitions.ToList();
        CancellationTokenSource old;
        CancellationToken loops;
        bool started;
        lock (_gate)
        {
            foreach (var stale in _definitions.Where(o => !list.Any(n => SameQuery(n, o))))
            {
                _endpoints.Remove(stale.Service.Name);
                _errors.Remove(stale.Service.Name);
            }
            _definitions = list;
            old = _loops;
            _loops = new CancellationTokenSource();
            loops = _loops.Token;
            started = _started;
        }
        old.Cancel();
        old.Dispose();
        Publish();
        if (started)
        {
            foreach (var definition in list)
            {
                _ = RefreshLoopAsync(definition, TimeSpan.Zero, loops);
            }
        }
    }

    private static bool SameQuery(DnsServiceDefinition a, DnsServiceDefinition b) =>
        a.Service.Name == b.Service.Name && a with { Service = b.Service } == b;

    /// <summary>Resolves once and records the outcome; returns when to refresh.</summary>
    private async Task<TimeSpan> ResolveOnceAsync(DnsServiceDefinition d, CancellationToken cancellationToken)
    {
        var answer = await _resolver.ResolveAsync(d, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_definitions.Contains(d))
            {
                return Timeout.InfiniteTimeSpan; // replaced meanwhile
            }
            switch (answer)
            {
                case DnsAnswer.Resolved resolved:
                    _endpoints[d.Service.Name] = resolved.Endpoints;
                    _errors.Remove(d.Service.Name);
                    LogResolved(_logger, d.Service.Name, d.Name, resolved.Endpoints.Count, resolved.Ttl.TotalSeconds);
                    return _options.RefreshAfter(resolved.Ttl);
                case DnsAnswer.Failed failed:
                    _errors[d.Service.Name] = failed.Reason;
                    LogFailed(_logger, d.Service.Name, failed.Reason, _endpoints.GetValueOrDefault(d.Service.Name)?.Count ?? 0);
                    return _options.RetryAfterFailure;
                default:
                    throw new InvalidOperationException("unreachable");
            }
        }
    }

    private async Task RefreshLoopAsync(DnsServiceDefinition d, TimeSpan firstDelay, CancellationToken cancellationToken)
    {
        var delay = firstDelay;
        try
        {
            while (delay != Timeout.InfiniteTimeSpan)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = await ResolveOnceAsync(d, cancellationToken).ConfigureAwait(false);
                Publish();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Replaced by SetServices or disposed.
        }
    }

    /// <summary>Builds the set from the last good endpoints and raises <see cref="Changed"/> when it or the error differs.</summary>
    private void Publish()
    {
        bool changed;
        lock (_gate)
        {
            var services = _definitions
                .Select(d => d.Service with { Endpoints = _endpoints.GetValueOrDefault(d.Service.Name) ?? [] })
                .ToList();
            var error = _errors.Count == 0 ? null : string.Join("; ", _errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
            changed = !SameServices(_state.Services, services) || error != _state.LastError;
            if (changed)
            {
                _state.Set(services, error);
            }
        }
        if (changed)
        {
            Changed?.Invoke(this);
        }
    }

    private static bool SameServices(IReadOnlyList<RegisteredService> a, IReadOnlyList<RegisteredService> b) =>
        a.Count == b.Count && a.Zip(b).All(p => ReferenceEquals(p.First, p.Second)
            || p.First.Name == p.Second.Name && p.First.Policy == p.Second.Policy
            && p.First.Ports.SequenceEqual(p.Second.Ports) && p.First.Endpoints.SequenceEqual(p.Second.Endpoints));

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _started = false;
            _loops.Cancel();
            _loops.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 820, Level = LogLevel.Debug, Message = "DNS service {Service}: {DnsName} resolved to {Endpoints} endpoint(s), TTL {TtlSeconds}s")]
    private static partial void LogResolved(ILogger logger, string service, string dnsName, int endpoints, double ttlSeconds);

    [LoggerMessage(EventId = 821, Level = LogLevel.Warning, Message = "DNS service {Service} not resolved: {Reason}; keeping its last good {Endpoints} endpoint(s)")]
    private static partial void LogFailed(ILogger logger, string service, string reason, int endpoints);
}
