namespace Mesh.Agent.Discovery;

/// <summary>How <see cref="DnsServiceSource"/> re-resolves.</summary>
public sealed record DnsSourceOptions
{
    /// <summary>Re-resolve no sooner than this, even for TTL 0 answers.</summary>
    public TimeSpan MinTtl { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Re-resolve at least this often, however long the TTL.</summary>
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed resolution (timeout, NXDOMAIN, no records), try again after this.</summary>
    public TimeSpan RetryAfterFailure { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>One query's deadline.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The resolvers asked; empty: the system's (/etc/resolv.conf).</summary>
    public IReadOnlyList<System.Net.IPEndPoint> NameServers { get; init; } = [];

    /// <summary>When the answer with time-to-live <paramref name="ttl"/> is to be refreshed: the TTL within the floor and cap.</summary>
    public TimeSpan RefreshAfter(TimeSpan ttl) => ttl < MinTtl ? MinTtl : ttl > MaxTtl ? MaxTtl : ttl;
}
