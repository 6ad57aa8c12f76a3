using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Config;

public sealed class RegistryLoaderTests : IDisposable
{
    private const string ValidRegistry = """
        services:
          - name: backend.demo
            ports:
              - port: 80
                targetPort: 9080
                protocol: http
              - port: 5432
                protocol: tcp
            endpoints:
              - address: 127.0.0.2
                agent: 127.0.0.2:15006
                identity: spiffe://cluster.local/ns/demo/sa/backend
          - name: db.demo
            ports: [{ port: 5432, protocol: tcp }]

        """;

    private readonly ConfigDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string yaml) => _dir.Write("registry.yaml", yaml);

    private static string Mutate(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the base text does not contain '{find}'");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"the base text contains '{find}' more than once");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    private static List<string> Problems(ConfigException e, string path)
    {
        var lines = e.Message.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal($"{path}: invalid service registry:", lines[0]);
        return lines.Skip(1).ToList();
    }

    [Fact]
    public void Valid_registry_loads_services_ports_and_endpoints()
    {
        var registry = RegistryLoader.Load(Write(ValidRegistry));

        var backend = registry.Find("backend.demo");
        Assert.NotNull(backend);
        Assert.Equal([new ServicePort(80, 9080, PortProtocol.Http), new ServicePort(5432, 5432, PortProtocol.Tcp)], backend.Ports);
        var endpoint = Assert.Single(backend.Endpoints);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), endpoint.Address);
        Assert.Equal(IPEndPoint.Parse("127.0.0.2:15006"), endpoint.Agent);
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/backend"), endpoint.Identity);
        Assert.Empty(registry.Find("db.demo")!.Endpoints);
        Assert.Null(registry.Find("Backend.demo"));
    }

    [Theory]
    [InlineData("tcp", PortProtocol.Tcp)]
    [InlineData("HTTP", PortProtocol.Http)]
    [InlineData("http2", PortProtocol.Http2)]
    [InlineData("gRPC", PortProtocol.Grpc)]
    public void Protocols_are_read_case_insensitively(string text, PortProtocol expected)
    {
        var registry = RegistryLoader.Load(Write(Mutate(ValidRegistry, "protocol: tcp }", $"protocol: {text} }}")));

        Assert.Equal(expected, Assert.Single(registry.Find("db.demo")!.Ports).Protocol);
    }

    [Fact]
    public void Endpoint_weight_defaults_to_one_and_is_read()
    {
        Assert.Equal(1, Assert.Single(RegistryLoader.Load(Write(ValidRegistry)).Find("backend.demo")!.Endpoints).Weight);

        var weighted = RegistryLoader.Load(Write(Mutate(ValidRegistry, "agent: 127.0.0.2:15006", "agent: 127.0.0.2:15006\n        weight: 1000")));

        Assert.Equal(1000, Assert.Single(weighted.Find("backend.demo")!.Endpoints).Weight);
    }

    [Fact]
    public void Empty_file_is_an_empty_registry()
    {
        Assert.Empty(RegistryLoader.Load(Write("")).Services);
    }

    public static TheoryData<string, string, string, string> ErrorCases => new()
    {
        // scenario, text in the valid registry, replacement, the problem line that must be reported
        { "endpoint identity with a trailing slash", "sa/backend", "sa/backend/", "services[0].endpoints[0].identity: path cannot have a trailing slash" },
        { "endpoint identity without the spiffe scheme", "identity: spiffe://cluster.local/ns/demo/sa/backend", "identity: cluster.local/ns/demo/sa/backend", "services[0].endpoints[0].identity: scheme is missing or invalid" },
        { "endpoint identity with an upper-case trust domain", "spiffe://cluster.local", "spiffe://Cluster.local", "services[0].endpoints[0].identity: trust domain characters are limited" },
        { "endpoint without identity", "        identity: spiffe://cluster.local/ns/demo/sa/backend\n", "", "services[0].endpoints[0].identity: required" },
        { "endpoint address that is a host name", "address: 127.0.0.2", "address: backend", "services[0].endpoints[0].address: 'backend' is not an IP address" },
        { "endpoint agent without a port", "agent: 127.0.0.2:15006", "agent: 127.0.0.2", "services[0].endpoints[0].agent: '127.0.0.2' is not an IP:port address" },
        { "service without a name", "  - name: db.demo\n    ports", "  - ports", "services[1].name: required" },
        { "port out of range", "port: 80\n", "port: 70000\n", "services[0].ports[0].port: 70000 is not a port number 1-65535" },
        { "target port out of range", "targetPort: 9080", "targetPort: -1", "services[0].ports[0].targetPort: -1 is not a port number 1-65535" },
        { "unsupported protocol", "[{ port: 5432, protocol: tcp }]", "[{ port: 5432, protocol: udp }]", "services[1].ports[0].protocol: protocol 'udp' is not supported; use tcp, http, http2 or grpc" },
        { "endpoint weight zero", "agent: 127.0.0.2:15006", "agent: 127.0.0.2:15006\n        weight: 0", "services[0].endpoints[0].weight: '0' must be a whole number 1..1000" },
        { "endpoint weight too high", "agent: 127.0.0.2:15006", "agent: 127.0.0.2:15006\n        weight: 1001", "services[0].endpoints[0].weight: '1001' must be a whole number 1..1000" },
        { "service listed twice", "name: db.demo", "name: backend.demo", "services: 'backend.demo' is listed more than once" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Each_kind_of_error_is_reported_naming_the_entry(string scenario, string find, string replace, string expected)
    {
        var path = Write(Mutate(ValidRegistry, find, replace));

        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(path));

        Assert.True(Problems(e, path).Any(p => p.StartsWith(expected, StringComparison.Ordinal)), $"{scenario}: expected '{expected}', got:\n{e.Message}");
    }

    [Fact]
    public void Several_errors_are_all_reported_at_once()
    {
        var yaml = Mutate(ValidRegistry, "sa/backend", "sa/backend/");
        yaml = Mutate(yaml, "address: 127.0.0.2", "address: backend");
        yaml = Mutate(yaml, "[{ port: 5432, protocol: tcp }]", "[{ port: 0, targetPort: 5432, protocol: udp }]");
        var path = Write(yaml);

        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(path));

        Assert.Equal(
            [
                "services[0].endpoints[0].address: 'backend' is not an IP address",
                "services[0].endpoints[0].identity: path cannot have a trailing slash",
                "services[1].ports[0].port: 0 is not a port number 1-65535",
                "services[1].ports[0].protocol: protocol 'udp' is not supported; use tcp, http, http2 or grpc",
            ],
            Problems(e, path));
    }

    [Fact]
    public void Unknown_field_is_an_error_at_its_file_line_and_column()
    {
        var path = Write(Mutate(ValidRegistry, "        agent: 127.0.0.2:15006", "        node: 127.0.0.2:15006"));

        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(path));

        Assert.StartsWith($"{path}:11:9: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'node'", e.Message, StringComparison.Ordinal);
    }
}
