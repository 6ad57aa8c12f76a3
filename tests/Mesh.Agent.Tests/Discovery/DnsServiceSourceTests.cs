using System.Diagnostics;
using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Discovery;
using Mesh.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Agent.Tests.Discovery.TestDnsServer;

namespace Mesh.Agent.Tests.Discovery;

/// <summary>DnsServiceSource against a real DNS server on 127.0.0.1 (TestDnsServer), with short TTLs and real time.</summary>
public sealed class DnsServiceSourceTests : IAsyncLifetime
{
    private static readonly SpiffeId ApiId = SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/api");

    private readonly TestDnsServer _dns = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    private DnsServiceSource Source(params DnsServiceDefinition[] definitions) =>
        new(definitions, new DnsSourceOptions
        {
            NameServers = [_dns.EndPoint],
            MinTtl = TimeSpan.FromMilliseconds(500),
            RetryAfterFailure = TimeSpan.FromMilliseconds(300),
            QueryTimeout = TimeSpan.FromSeconds(1),
        }, NullLogger<DnsServiceSource>.Instance);

    private static DnsServiceDefinition Definition(string dnsName, DnsRecordType type, int? port = 8080) =>
        new(new RegisteredService("api.demo", [new ServicePort(80, 8080, PortProtocol.Http)], []), dnsName, type, port, 15008, ApiId);

    [Fact]
    public async Task A_records_become_endpoints_served_by_the_agent_at_the_address()
    {
        _dns.Set("api.test", TypeA, new DnsRecord(60, IPAddress.Parse("127.0.0.11")), new DnsRecord(60, IPAddress.Parse("127.0.0.12")));
        await using var source = Source(Definition("api.test", DnsRecordType.A));

        await source.StartAsync(CancellationToken.None);

        var service = Assert.Single(source.Services);
        Assert.Equal("api.demo", service.Name);
        Assert.Equal(
            [
                new ServiceEndpoint(IPAddress.Parse("127.0.0.11"), IPEndPoint.Parse("127.0.0.11:15008"), ApiId) { Port = 8080 },
                new ServiceEndpoint(IPAddress.Parse("127.0.0.12"), IPEndPoint.Parse("127.0.0.12:15008"), ApiId) { Port = 8080 },
            ],
            service.Endpoints.OrderBy(e => e.Address.ToString()));
        Assert.Null(source.LastError);
    }

    [Fact]
    public async Task Aaaa_records_are_resolved_for_type_aaaa()
    {
        _dns.Set("api6.test", TypeAaaa, new DnsRecord(60, IPAddress.IPv6Loopback));
        await using var source = Source(Definition("api6.test", DnsRecordType.Aaaa));

        await source.StartAsync(CancellationToken.None);

        var endpoint = Assert.Single(Assert.Single(source.Services).Endpoints);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 15008), endpoint.Agent);
        Assert.Equal(0, _dns.Queries("api6.test", TypeA));
    }

    [Fact]
    public async Task Answer_is_requeried_when_its_ttl_runs_out_and_not_before()
    {
        _dns.Set("api.test", TypeA, new DnsRecord(3, IPAddress.Parse("127.0.0.11")));
        await using var source = Source(Definition("api.test", DnsRecordType.A));
        var clock = Stopwatch.StartNew();

        await source.StartAsync(CancellationToken.None);
        Assert.Equal(1, _dns.Queries("api.test", TypeA));
        _dns.Set("api.test", TypeA, new DnsRecord(3, IPAddress.Parse("127.0.0.13")));

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, _dns.Queries("api.test", TypeA)); // TTL 3 s: still fresh at 2 s

        Assert.True(await Eventually.HoldsAsync(() => _dns.Queries("api.test", TypeA) >= 2, TimeSpan.FromSeconds(4)), "not re-queried after the TTL");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(7));
        Assert.True(await Eventually.HoldsAsync(() => source.Services[0].Endpoints.Any(e => e.Address.Equals(IPAddress.Parse("127.0.0.13"))), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Ttl_zero_is_held_to_the_floor()
    {
        _dns.Set("api.test", TypeA, new DnsRecord(0, IPAddress.Parse("127.0.0.11")));
        await using var source = new DnsServiceSource([Definition("api.test", DnsRecordType.A)],
            new DnsSourceOptions { NameServers = [_dns.EndPoint], MinTtl = TimeSpan.FromSeconds(1.5) }, NullLogger<DnsServiceSource>.Instance);

        await source.StartAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, _dns.Queries("api.test", TypeA)); // floor 1.5 s, not a busy loop

        Assert.True(await Eventually.HoldsAsync(() => _dns.Queries("api.test", TypeA) >= 2, TimeSpan.FromSeconds(4)), "not re-queried at the floor");
        Assert.InRange(_dns.Queries("api.test", TypeA), 2, 3);
    }

    [Fact]
    public async Task Srv_records_give_targets_ports_and_weights_of_the_lowest_priority()
    {
        _dns.Set("_http._tcp.api.test", TypeSrv,
            new DnsRecord(60, Target: "a.api.test", Port: 8081, Weight: 30, Priority: 10, Glue: [new DnsRecord(60, IPAddress.Parse("127.0.0.21"))]),
            new DnsRecord(60, Target: "b.api.test", Port: 8082, Weight: 0, Priority: 10),
            new DnsRecord(60, Target: "backup.api.test", Port: 9000, Weight: 50, Priority: 20, Glue: [new DnsRecord(60, IPAddress.Parse("127.0.0.29"))]));
        _dns.Set("b.api.test", TypeA, new DnsRecord(60, IPAddress.Parse("127.0.0.22")));
        await using var source = Source(Definition("_http._tcp.api.test", DnsRecordType.Srv, port: null));

        await source.StartAsync(CancellationToken.None);

        Assert.Null(source.LastError);
        Assert.Equal(
            [
                new ServiceEndpoint(IPAddress.Parse("127.0.0.21"), IPEndPoint.Parse("127.0.0.21:15008"), ApiId) { Port = 8081, Weight = 30 },
                new ServiceEndpoint(IPAddress.Parse("127.0.0.22"), IPEndPoint.Parse("127.0.0.22:15008"), ApiId) { Port = 8082, Weight = 1 },
            ],
            Assert.Single(source.Services).Endpoints.OrderBy(e => e.Address.ToString()));
        Assert.Equal(0, _dns.Queries("a.api.test", TypeA)); // its address came in the additional section
        Assert.Equal(1, _dns.Queries("b.api.test", TypeA));
    }

    [Fact]
    public async Task Nxdomain_keeps_the_last_good_endpoints_and_says_why_until_the_name_is_back()
    {
        _dns.Set("api.test", TypeA, new DnsRecord(1, IPAddress.Parse("127.0.0.11")));
        await using var source = Source(Definition("api.test", DnsRecordType.A));
        var changes = 0;
        source.Changed += _ => Interlocked.Increment(ref changes);
        await source.StartAsync(CancellationToken.None);
        var good = source.Services;

        _dns.Remove("api.test");

        Assert.True(await Eventually.HoldsAsync(() => source.LastError is not null, TimeSpan.FromSeconds(5)), "the failure was not reported");
        Assert.Contains("NotExistentDomain", source.LastError, StringComparison.Ordinal);
        Assert.Equal(good[0].Endpoints, source.Services[0].Endpoints);
        Assert.True(Volatile.Read(ref changes) >= 1);

        _dns.Set("api.test", TypeA, new DnsRecord(1, IPAddress.Parse("127.0.0.12")));

        Assert.True(await Eventually.HoldsAsync(() => source.LastError is null, TimeSpan.FromSeconds(5)), "the recovery was not seen");
        Assert.Equal(IPAddress.Parse("127.0.0.12"), Assert.Single(source.Services[0].Endpoints).Address);
    }

    [Fact]
    public async Task Set_services_resolves_new_definitions_and_drops_removed_ones()
    {
        _dns.Set("api.test", TypeA, new DnsRecord(60, IPAddress.Parse("127.0.0.11")));
        _dns.Set("web.test", TypeA, new DnsRecord(60, IPAddress.Parse("127.0.0.31")));
        await using var source = Source(Definition("api.test", DnsRecordType.A));
        await source.StartAsync(CancellationToken.None);

        var web = new DnsServiceDefinition(new RegisteredService("web.demo", [new ServicePort(80, 80, PortProtocol.Http)], []), "web.test", DnsRecordType.A, null, 15008, ApiId);
        source.SetServices([web]);

        Assert.True(await Eventually.HoldsAsync(() => source.Services is [{ Name: "web.demo", Endpoints: [_] }], TimeSpan.FromSeconds(5)), "web.demo was not resolved");
        Assert.Equal(IPAddress.Parse("127.0.0.31"), source.Services[0].Endpoints[0].Address);
    }
}
