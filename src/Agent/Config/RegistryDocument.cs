namespace Mesh.Agent.Config;

/// <summary>
/// A validated registry file: the services it lists endpoints for, and those whose endpoints DNS supplies.
/// </summary>
public sealed record RegistryDocument(IReadOnlyList<RegisteredService> Services, IReadOnlyList<DnsServiceDefinition> DnsServices)
{
    public static RegistryDocument Empty { get; } = new([], []);

    /// <summary>Every service, the DNS ones with no endpoints yet (enough to check names and ports at load).</summary>
    public ServiceRegistry ToRegistry() => new(Services.Concat(DnsServices.Select(d => d.Service)));
}
