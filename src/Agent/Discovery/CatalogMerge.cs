using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>
/// Merges the sets of several sources into one registry (pure). Sources are given in precedence order: when two name
/// the same service, the earlier source's whole entry (ports, policy, endpoints) wins; endpoints are never mixed
/// across sources, because each source vouches for the identities of its own endpoints.
/// </summary>
internal static class CatalogMerge
{
    /// <summary>A service named by more than one source: who won and who was ignored.</summary>
    public sealed record Conflict(string Service, string Winner, string Loser);

    public static (ServiceRegistry Registry, IReadOnlyList<Conflict> Conflicts) Merge(IReadOnlyList<(string Source, IReadOnlyList<RegisteredService> Services)> sources)
    {
        var chosen = new Dictionary<string, (string Source, RegisteredService Service)>(StringComparer.Ordinal);
        var conflicts = new List<Conflict>();
        foreach (var (source, services) in sources)
        {
            foreach (var service in services)
            {
                if (chosen.TryGetValue(service.Name, out var winner))
                {
                    conflicts.Add(new Conflict(service.Name, winner.Source, source));
                }
                else
                {
                    chosen.Add(service.Name, (source, service));
                }
            }
        }
        return (new ServiceRegistry(chosen.Values.Select(c => c.Service)), conflicts);
    }
}
