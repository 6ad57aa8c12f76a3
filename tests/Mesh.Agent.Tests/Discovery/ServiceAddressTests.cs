using System.Net;
using System.Text.Json;
using Mesh.Agent.Config;
using Mesh.Agent.Discovery.Kubernetes;
using Mesh.Agent.Tests.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Discovery;

/// <summary>Service virtual addresses: from the registry file's <c>addresses</c> and from a Kubernetes Service's ClusterIPs.</summary>
public sealed class ServiceAddressTests
{
    [Fact]
    public void The_registry_reads_addresses_finds_a_service_by_one_and_names_a_bad_one()
    {
        using var dir = new ConfigDir();
        var good = dir.Write("good.yaml", """
            services:
              - name: web.demo
                addresses: [10.96.0.10, "fd00::10"]
                ports: [{ port: 80, protocol: http }]
                endpoints: [{ address: 198.18.2.2, agent: "198.18.2.2:15008", identity: spiffe://cluster.local/ns/demo/sa/web }]

            """);
        var bad = dir.Write("bad.yaml", """
            services:
              - name: web.demo
                addresses: [web.internal]
                ports: [{ port: 80, protocol: http }]

            """);

        var registry = RegistryLoader.Load(good);
        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(bad));

        Assert.Equal("web.demo", registry.FindByVirtualAddress(IPAddress.Parse("10.96.0.10"))?.Name);
        Assert.Equal("web.demo", registry.FindByVirtualAddress(IPAddress.Parse("fd00::10"))?.Name);
        Assert.Equal("web.demo", registry.FindByVirtualAddress(IPAddress.Parse("::ffff:10.96.0.10"))?.Name);
        Assert.Null(registry.FindByVirtualAddress(IPAddress.Parse("198.18.2.2")));
        Assert.Contains("services[0].addresses[0]: 'web.internal' is not an IP address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Kubernetes_service_is_reached_at_its_cluster_IPs_and_a_headless_one_at_none()
    {
        var normal = KubeService.Parse(JsonDocument.Parse("""
            {"metadata":{"namespace":"demo","name":"web"},"spec":{"clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34","fd00::1234"],"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}]}}
            """).RootElement);
        var headless = KubeService.Parse(JsonDocument.Parse("""
            {"metadata":{"namespace":"demo","name":"db"},"spec":{"clusterIP":"None","ports":[{"name":"tcp","port":5432,"protocol":"TCP"}]}}
            """).RootElement);

        var services = KubeMapping.Services([normal, headless], [], new Dictionary<(string, string), KubePod>(), TrustDomain.Parse("cluster.local"), 15008);

        Assert.Equal([IPAddress.Parse("10.96.12.34"), IPAddress.Parse("fd00::1234")], services.Single(s => s.Name == "web.demo").Addresses);
        Assert.Empty(services.Single(s => s.Name == "db.demo").Addresses);
    }
}
