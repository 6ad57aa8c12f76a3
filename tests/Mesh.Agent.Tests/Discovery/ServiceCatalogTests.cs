using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Discovery;
using Mesh.Agent.Tests.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Discovery;

public sealed class ServiceCatalogTests : IDisposable
{
    private static readonly SpiffeId Id = SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/api");

    private readonly ConfigDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A source the test drives by hand.</summary>
    private sealed class HandSource(string name) : IServiceSource
    {
        public string Name => name;
        public IReadOnlyList<RegisteredService> Services { get; private set; } = [];
        public string? LastError { get; private set; }
        public event Action<IServiceSource>? Changed;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public void Set(params RegisteredService[] services)
        {
            (Services, LastError) = (services, null);
            Changed?.Invoke(this);
        }

        public void Fail(string error)
        {
            LastError = error;
            Changed?.Invoke(this);
        }
    }

    private static RegisteredService Service(string name, string address) =>
        new(name, [new ServicePort(80, 80, PortProtocol.Http)], [new ServiceEndpoint(IPAddress.Parse(address), new IPEndPoint(IPAddress.Parse(address), 15008), Id)]);

    private static ILogger<ServiceCatalog> Logger(LogSink sink) => LoggerFactory.Create(sink.Configure).CreateLogger<ServiceCatalog>();

    [Fact]
    public async Task Sources_are_merged_and_the_first_source_wins_a_conflict_which_is_logged_once()
    {
        var file = new HandSource("file");
        var kube = new HandSource("kubernetes");
        using var sink = new LogSink();
        await using var catalog = new ServiceCatalog([file, kube], Logger(sink));
        var snapshots = new List<ServiceRegistry>();
        catalog.Changed += snapshots.Add;
        await catalog.StartAsync(CancellationToken.None);

        file.Set(Service("api.demo", "127.0.0.2"));
        kube.Set(Service("api.demo", "127.0.0.3"), Service("web.demo", "127.0.0.4"));
        kube.Set(Service("api.demo", "127.0.0.5"), Service("web.demo", "127.0.0.4"));

        Assert.Equal(["api.demo", "web.demo"], catalog.Current.Services.Select(s => s.Name).Order());
        Assert.Equal(IPAddress.Parse("127.0.0.2"), catalog.Current.Find("api.demo")!.Endpoints[0].Address);
        Assert.Same(catalog.Current, snapshots[^1]);
        Assert.Single(sink.Lines, l => l.Contains("[800] Service api.demo is named by file and kubernetes; using file's entry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failing_source_keeps_its_last_good_services_in_the_catalog_and_is_logged()
    {
        var kube = new HandSource("kubernetes");
        using var sink = new LogSink();
        await using var catalog = new ServiceCatalog([kube], Logger(sink));
        await catalog.StartAsync(CancellationToken.None);
        kube.Set(Service("api.demo", "127.0.0.3"));

        kube.Fail("watch: connection refused");

        Assert.NotNull(catalog.Current.Find("api.demo"));
        Assert.True(sink.Contains("Service source kubernetes is failing, its last good services stay: watch: connection refused"));
    }

    [Fact]
    public async Task Registry_file_with_a_dns_service_gets_its_endpoints_from_dns_and_follows_file_edits()
    {
        await using var dns = new TestDnsServer();
        dns.Set("api.test", TestDnsServer.TypeA, new TestDnsServer.DnsRecord(60, IPAddress.Parse("127.0.0.41")));
        dns.Set("api2.test", TestDnsServer.TypeA, new TestDnsServer.DnsRecord(60, IPAddress.Parse("127.0.0.42")));
        const string Template = """
            services:
              - name: static.demo
                endpoints: [{ address: 127.0.0.2, agent: "127.0.0.2:15008", identity: spiffe://cluster.local/ns/demo/sa/static }]
              - name: api.demo
                ports: [{ port: 80, targetPort: 8080, protocol: http }]
                dns: { name: NAME, type: A, agentPort: 15008, identity: spiffe://cluster.local/ns/demo/sa/api }

            """;
        var path = _dir.Write("registry.yaml", Template.Replace("NAME", "api.test", StringComparison.Ordinal));
        await using var catalog = ServiceCatalogFactory.Create(path, new DnsSourceOptions { NameServers = [dns.EndPoint] }, NullLoggerFactory.Instance);

        await catalog.StartAsync(CancellationToken.None);

        Assert.NotNull(catalog.Current.Find("static.demo"));
        var api = catalog.Current.Find("api.demo")!;
        Assert.Equal(new ServicePort(80, 8080, PortProtocol.Http), Assert.Single(api.Ports));
        Assert.Equal(IPAddress.Parse("127.0.0.41"), Assert.Single(api.Endpoints).Address);
        Assert.Equal("api.demo", catalog.Current.FindEndpoint(IPAddress.Parse("127.0.0.41"))?.Service.Name);

        File.WriteAllText(path, Template.Replace("NAME", "api2.test", StringComparison.Ordinal));

        Assert.True(await Eventually.HoldsAsync(
            () => catalog.Current.Find("api.demo")?.Endpoints is [{ } e] && e.Address.Equals(IPAddress.Parse("127.0.0.42")), TimeSpan.FromSeconds(5)),
            "the edited dns name was not resolved");
        Assert.Equal(1, dns.Queries("api2.test", TestDnsServer.TypeA));
    }

    [Fact]
    public async Task Changes_stream_starts_with_the_current_set_and_yields_the_newest_after_each_change()
    {
        var source = new HandSource("kubernetes");
        source.Set(Service("a.demo", "127.0.0.2"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await using var changes = source.ChangesAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(["a.demo"], changes.Current.Select(s => s.Name));

        source.Set(Service("b.demo", "127.0.0.3"));
        source.Set(Service("c.demo", "127.0.0.4"));

        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(["c.demo"], changes.Current.Select(s => s.Name)); // b was superseded before it was read
    }
}
