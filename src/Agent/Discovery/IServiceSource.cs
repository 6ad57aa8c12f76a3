using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>
/// One place services are discovered from (the registry file, DNS, Kubernetes). A source always has a current set: the
/// last good one. When a refresh fails the set stays as it was and <see cref="LastError"/> says why; the next good
/// refresh clears it.
/// </summary>
public interface IServiceSource : IAsyncDisposable
{
    /// <summary>Names the source in logs and conflicts, e.g. <c>file /etc/mesh/registry.yaml</c>.</summary>
    string Name { get; }

    /// <summary>The last good set (empty until the first good refresh).</summary>
    IReadOnlyList<RegisteredService> Services { get; }

    /// <summary>Why the last refresh failed; null when it succeeded.</summary>
    string? LastError { get; }

    /// <summary>Raised after <see cref="Services"/> or <see cref="LastError"/> changed (on a background thread).</summary>
    event Action<IServiceSource>? Changed;

    /// <summary>Loads the first set (a failure is recorded in <see cref="LastError"/>, not thrown) and starts watching.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
