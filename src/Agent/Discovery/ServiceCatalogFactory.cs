using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Discovery;

/// <summary>
/// Builds the agent's catalog: the registry file, the DNS services it defines (kept in step with the file: an edit
/// that adds, changes or removes a <c>dns:</c> entry re-resolves), and optionally Kubernetes, in that precedence.
/// </summary>
public static class ServiceCatalogFactory
{
    public static ServiceCatalog Create(string registryPath, DnsSourceOptions dnsOptions, ILoggerFactory loggers, IServiceSource? kubernetes = null, TimeProvider? time = null)
    {
        var file = new FileServiceSource(registryPath, loggers.CreateLogger<FileServiceSource>(), time);
        var dns = new DnsServiceSource([], dnsOptions, loggers.CreateLogger<DnsServiceSource>(), time);
        var lastDefinitions = file.DnsServices;
        file.Changed += _ =>
        {
            // Only a good load changes the definitions; a rejected edit leaves DNS as it is.
            if (!ReferenceEquals(file.DnsServices, lastDefinitions))
            {
                lastDefinitions = file.DnsServices;
                dns.SetServices(lastDefinitions);
            }
        };
        IServiceSource[] sources = kubernetes is null ? [file, dns] : [file, dns, kubernetes];
        return new ServiceCatalog(sources, loggers.CreateLogger<ServiceCatalog>());
    }
}
