using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Discovery.Kubernetes;
using Mesh.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Agent.Tests.Discovery.Kubernetes.RecordedApi;

namespace Mesh.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// KubernetesServiceSource against a fake API server on 127.0.0.1 serving responses in the API server's wire shape
/// (RecordedApi). No Kubernetes cluster runs in this environment: these tests prove the list/watch/re-list handling and
/// the mapping against that shape, not against a live API server.
/// </summary>
public sealed class KubernetesServiceSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly SpiffeId BackendId = SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/backend");

    private FakeKubeApiServer _api = null!;
    private KubernetesServiceSource _source = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync();
        _api.SetList(ServicesPath, Services);
        _api.SetList(SlicesPath, Slices);
        _api.SetList(PodsPath, Pods);
        _source = KubernetesServiceSource.ForServer(_api.Address, new KubernetesSourceOptions
        {
            TrustDomain = TrustDomain.Parse("cluster.local"),
            NodeName = "node-a",
            RetryDelay = TimeSpan.FromMilliseconds(100),
        }, NullLogger<KubernetesServiceSource>.Instance);
        using var timeout = new CancellationTokenSource(Wait);
        await _source.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _api.DisposeAsync();
    }

    private RegisteredService? Find(string name) => _source.Services.FirstOrDefault(s => s.Name == name);

    [Fact]
    public void Initial_list_maps_services_ports_and_ready_pod_endpoints_with_service_account_identities()
    {
        Assert.Equal(["backend.demo", "db.demo", "kubernetes.default"], _source.Services.Select(s => s.Name).Order(StringComparer.Ordinal));
        var backend = Find("backend.demo")!;
        // http- prefix: HTTP; grpc with a named targetPort resolved through the slice; UDP left out.
        Assert.Equal([new ServicePort(80, 8080, PortProtocol.Http), new ServicePort(9090, 9091, PortProtocol.Grpc)], backend.Ports);
        Assert.Equal(
            [
                new ServiceEndpoint(IPAddress.Parse("10.0.1.5"), IPEndPoint.Parse("10.0.1.5:15008"), BackendId),
                new ServiceEndpoint(IPAddress.Parse("10.0.2.7"), IPEndPoint.Parse("10.0.2.7:15008"), BackendId),
            ],
            backend.Endpoints); // 10.0.1.9 is not ready
        Assert.Equal([new ServicePort(5432, 5432, PortProtocol.Tcp), new ServicePort(8443, 8443, PortProtocol.Http2)], Find("db.demo")!.Ports);
        Assert.Empty(Find("db.demo")!.Endpoints);
        Assert.Empty(Find("kubernetes.default")!.Endpoints); // the API server's endpoint is no pod: no identity to expect
        Assert.Null(_source.LastError);
    }

    [Fact]
    public void Pods_on_the_node_are_local_workloads_without_a_netns()
    {
        Assert.Equal(["demo/backend-7d4-x1", "demo/backend-7d4-x3", "demo/db-0"], _source.NodePods.Select(p => p.Key));
        var pod = _source.NodePods[0];
        Assert.Equal((IPAddress.Parse("10.0.1.5"), BackendId, "backend", (string?)null), (pod.Address, pod.Identity, pod.ServiceAccount, pod.Netns));
        Assert.Equal([new WorkloadPort(8080, PortProtocol.Http), new WorkloadPort(9091, PortProtocol.Grpc)], pod.Ports);
        Assert.Equal("backend", pod.Labels["app"]);
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/default"), _source.NodePods[2].Identity); // no serviceAccountName: default
    }

    [Fact]
    public async Task Watch_added_modified_and_deleted_events_change_the_registry()
    {
        var changes = 0;
        _source.Changed += _ => Interlocked.Increment(ref changes);

        _api.Push(SlicesPath, "ADDED", DbSlice.Replace("\"resourceVersion\":\"1010\"", "\"resourceVersion\":\"1010\"", StringComparison.Ordinal));
        Assert.True(await Eventually.HoldsAsync(() => Find("db.demo")?.Endpoints.Count == 1, Wait), "ADDED slice not applied");
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/default"), Find("db.demo")!.Endpoints[0].Identity);

        var notReady = BackendSlice.Replace("\"ready\":true,\"serving\":true,\"terminating\":false},\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"backend-7d4-x2\"",
            "\"ready\":false,\"serving\":true,\"terminating\":true},\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"backend-7d4-x2\"", StringComparison.Ordinal);
        Assert.NotEqual(BackendSlice, notReady);
        _api.Push(SlicesPath, "MODIFIED", notReady);
        Assert.True(await Eventually.HoldsAsync(() => Find("backend.demo")?.Endpoints.Count == 1, Wait), "MODIFIED slice not applied");
        Assert.Equal(IPAddress.Parse("10.0.1.5"), Find("backend.demo")!.Endpoints[0].Address);

        _api.Push(ServicesPath, "DELETED", """{"metadata":{"name":"db","namespace":"demo","resourceVersion":"1020"},"spec":{}}""");
        Assert.True(await Eventually.HoldsAsync(() => Find("db.demo") is null, Wait), "DELETED service not applied");
        Assert.True(Volatile.Read(ref changes) >= 3);
        Assert.Equal(1, _api.Lists(ServicesPath));
    }

    [Fact]
    public async Task Watch_disconnect_lists_again_and_sees_what_changed_meanwhile()
    {
        Assert.True(await Eventually.HoldsAsync(() => _api.Watches(ServicesPath) == 1, Wait), "no watch was opened");
        // While the watch is down the db Service goes away; only a new list can tell.
        _api.SetList(ServicesPath, Services.Replace("\"name\":\"db\"", "\"name\":\"db2\"", StringComparison.Ordinal));

        _api.Disconnect(ServicesPath);

        Assert.True(await Eventually.HoldsAsync(() => _api.Lists(ServicesPath) == 2, Wait), "no re-list after the disconnect");
        Assert.True(await Eventually.HoldsAsync(() => Find("db.demo") is null && Find("db2.demo") is not null, Wait), "the re-list was not applied");
        Assert.True(await Eventually.HoldsAsync(() => _api.Watches(ServicesPath) == 2, Wait), "the watch was not resumed");
        Assert.NotNull(Find("backend.demo"));
    }

    [Fact]
    public async Task Api_errors_keep_the_last_good_services_and_say_why()
    {
        var before = _source.Services;
        _api.SetList(ServicesPath, "not json");

        _api.Disconnect(ServicesPath);

        Assert.True(await Eventually.HoldsAsync(() => _source.LastError is not null, Wait), "the failure was not reported");
        Assert.Contains(ServicesPath, _source.LastError, StringComparison.Ordinal);
        Assert.Same(before, _source.Services);

        _api.SetList(ServicesPath, Services);
        Assert.True(await Eventually.HoldsAsync(() => _source.LastError is null, Wait), "the recovery was not seen");
    }
}
