using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Outbound;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Outbound;

/// <summary>Circuit-breaker thresholds: each admits exactly its limit, refuses with a reason naming it, and frees a slot on exit.</summary>
public sealed class CircuitBreakerTests
{
    private static readonly CircuitBreakerPolicy Policy = new() { MaxConnections = 2, MaxPendingRequests = 3, MaxRequestsPerEndpoint = 1 };

    [Fact]
    public void Connections_over_the_limit_are_refused_until_one_ends()
    {
        var breaker = new CircuitBreaker("db.demo", Policy);

        Assert.Null(breaker.TryEnterConnection());
        Assert.Null(breaker.TryEnterConnection());
        Assert.Equal("circuit breaker open for db.demo: 2 connections in flight (maxConnections)", breaker.TryEnterConnection());
        breaker.ExitConnection();
        Assert.Null(breaker.TryEnterConnection());
        Assert.Equal((2, 1L), (breaker.Connections, breaker.Tripped));
    }

    [Fact]
    public void Requests_over_the_limit_are_refused_and_counted()
    {
        var breaker = new CircuitBreaker("api.demo", Policy);

        var refusals = Enumerable.Range(0, 5).Select(_ => breaker.TryEnterRequest()).Where(r => r is not null).ToList();

        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, r => Assert.Equal("circuit breaker open for api.demo: 3 requests in flight (maxPendingRequests)", r));
        Assert.Equal(3, breaker.Requests);
        breaker.ExitRequest();
        Assert.Null(breaker.TryEnterRequest());
    }

    [Fact]
    public void An_endpoint_at_its_limit_is_refused_by_address()
    {
        var breaker = new CircuitBreaker("api.demo", Policy);
        var upstream = new Upstream(new ServiceEndpoint(IPAddress.Parse("198.18.5.7"), new IPEndPoint(IPAddress.Loopback, 15008), TestCa.Id("demo", "api")));

        Assert.Null(breaker.CheckEndpoint(upstream));
        upstream.RequestStarted();
        Assert.Equal("circuit breaker open for api.demo: 1 requests in flight to 198.18.5.7 (maxRequestsPerEndpoint)", breaker.CheckEndpoint(upstream));
        upstream.RequestFinished();
        Assert.Null(breaker.CheckEndpoint(upstream));
    }
}
