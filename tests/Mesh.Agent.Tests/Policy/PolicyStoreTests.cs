using System.Diagnostics;
using Mesh.Agent.Config;
using Mesh.Agent.Policy;
using Mesh.Agent.Tests.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Policy;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Policy;

/// <summary>PolicyStore over a real directory: load, rejected and accepted reloads, and the file watcher.</summary>
public sealed class PolicyStoreTests : IDisposable
{
    private const string ReadApi = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: frontend-reads-api
          namespace: demo
        spec:
          selector:
            matchLabels:
              app: backend
          action: ALLOW
          rules:
          - from:
            - source:
                principals: ["cluster.local/ns/demo/sa/frontend"]
            to:
            - operation:
                methods: ["GET"]
                paths: ["/api/*"]

        """;

    private const string DenyAdmin = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: deny-admin-api
          namespace: demo
        spec:
          selector:
            matchLabels:
              app: backend
          action: DENY
          rules:
          - to:
            - operation:
                paths: ["/api/admin*"]

        """;

    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(5);

    private readonly ConfigDir _dir = new();
    private readonly LogSink _logs = new();
    private readonly ILoggerFactory _loggers;

    public PolicyStoreTests()
    {
        _loggers = LoggerFactory.Create(_logs.Configure);
        _dir.Write("read-api.yaml", ReadApi);
        _dir.Write("deny-admin.yaml", DenyAdmin);
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _dir.Dispose();
    }

    private PolicyStore Open(bool watch = false) =>
        PolicyStore.Open(_dir.Path, new PolicyLoaderOptions(), _loggers.CreateLogger<PolicyStoreTests>(), watch);

    private static AuthzRequest FrontendGet(string path) => new()
    {
        SourcePrincipal = "cluster.local/ns/demo/sa/frontend",
        DestinationNamespace = "demo",
        DestinationLabels = new Dictionary<string, string> { ["app"] = "backend" },
        DestinationPort = 8080,
        Protocol = AuthzProtocol.Http,
        Method = "GET",
        Path = path,
    };

    private static void AssertDecisions(PolicySet policies, DecisionKind items, DecisionKind admin)
    {
        Assert.Equal(items, policies.Evaluate(FrontendGet("/api/items")).Decision);
        var adminDecision = policies.Evaluate(FrontendGet("/api/admin/keys"));
        Assert.Equal(admin, adminDecision.Decision);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < WatchTimeout)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return condition();
    }

    [Fact]
    public void Open_loads_the_directory_and_decides_with_it()
    {
        using var store = Open();

        Assert.Equal(2, store.Current.Count);
        Assert.Equal(0, store.Generation);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Deny);
        Assert.Equal("demo/deny-admin-api", store.Current.Evaluate(FrontendGet("/api/admin/keys")).Policy);
    }

    private const string NamespaceStrict = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: default
          namespace: demo
        spec:
          mtls:
            mode: STRICT

        """;

    private static readonly Dictionary<string, string> Backend = new() { ["app"] = "backend" };

    [Fact]
    public void Exposes_the_peer_authentications_of_the_current_snapshot_and_swaps_them_on_reload()
    {
        _dir.Write("peer.yaml", NamespaceStrict);
        using var store = Open();

        Assert.Equal(new MtlsDecision(MtlsMode.Strict, "demo/default"), store.PeerAuthentications.ModeFor("demo", Backend, 8080));
        Assert.Equal(new MtlsDecision(MtlsMode.Permissive, null), store.PeerAuthentications.ModeFor("other", Backend, 8080));
        Assert.Empty(store.RequestAuthentications.RulesFor("demo", Backend));

        _dir.Write("peer.yaml", NamespaceStrict.Replace("STRICT", "PERMISSIVE", StringComparison.Ordinal));
        Assert.True(store.Reload());

        Assert.Equal(new MtlsDecision(MtlsMode.Permissive, "demo/default"), store.PeerAuthentications.ModeFor("demo", Backend, 8080));
    }

    [Fact]
    public void A_broken_peer_authentication_rejects_the_reload_and_keeps_the_last_good_modes()
    {
        _dir.Write("peer.yaml", NamespaceStrict);
        using var store = Open();
        var broken = _dir.Write("peer.yaml", NamespaceStrict.Replace("STRICT", "STRICTER", StringComparison.Ordinal));

        Assert.False(store.Reload());

        Assert.Equal(MtlsMode.Strict, store.PeerAuthentications.ModeFor("demo", Backend, 8080).Mode);
        Assert.True(_logs.Contains($"{broken}:8:11: unknown mTLS mode 'STRICTER'"), string.Join('\n', _logs.Lines));
    }

    [Fact]
    public void The_default_mode_comes_from_the_loader_options()
    {
        using var store = PolicyStore.Open(_dir.Path, new PolicyLoaderOptions { DefaultMtlsMode = MtlsMode.Strict }, _loggers.CreateLogger<PolicyStoreTests>(), watch: false);

        Assert.Equal(new MtlsDecision(MtlsMode.Strict, null), store.PeerAuthentications.ModeFor("demo", Backend, 8080));
    }

    [Fact]
    public void Open_on_a_directory_with_an_invalid_policy_throws_naming_file_line_and_column()
    {
        var broken = _dir.Write("read-api.yaml", ReadApi.Replace("action: ALLOW", "action: PERMIT", StringComparison.Ordinal));

        var e = Assert.Throws<ConfigException>(() => Open());

        Assert.StartsWith($"policies in {_dir.Path} are invalid:", e.Message, StringComparison.Ordinal);
        // "action: PERMIT" is on line 10 of the file, its value at column 11.
        Assert.Contains($"{broken}:10:11: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("PERMIT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_reports_errors_in_every_file_at_once()
    {
        var first = _dir.Write("read-api.yaml", ReadApi.Replace("action: ALLOW", "action: PERMIT", StringComparison.Ordinal));
        var second = _dir.Write("deny-admin.yaml", DenyAdmin.Replace("  - to:", "  - too:", StringComparison.Ordinal));

        var e = Assert.Throws<ConfigException>(() => Open());

        Assert.Contains($"{first}:10:", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{second}:12:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_on_a_directory_that_does_not_exist_throws()
    {
        var missing = _dir.File("nope");

        var e = Assert.Throws<ConfigException>(() =>
            PolicyStore.Open(missing, new PolicyLoaderOptions(), _loggers.CreateLogger<PolicyStoreTests>(), watch: false));

        Assert.Contains("policy directory does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_with_a_broken_file_returns_false_and_keeps_deciding_as_before()
    {
        using var store = Open();
        var before = store.Current;
        _dir.Write("deny-admin.yaml", DenyAdmin.Replace("action: DENY", "action: DENNY", StringComparison.Ordinal));

        Assert.False(store.Reload());

        Assert.Same(before, store.Current);
        Assert.Equal(0, store.Generation);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Deny);
        Assert.True(_logs.Contains("still enforcing the last good policies"), "a rejected reload is logged");
    }

    [Fact]
    public void Reload_of_a_half_valid_directory_keeps_the_whole_old_set()
    {
        // One good new file and one broken one: enforcing only the good one would drop the admin DENY.
        using var store = Open();
        _dir.Write("extra.yaml", ReadApi.Replace("frontend-reads-api", "frontend-reads-all", StringComparison.Ordinal).Replace("/api/*", "*", StringComparison.Ordinal));
        _dir.Write("deny-admin.yaml", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: [\n");

        Assert.False(store.Reload());

        Assert.Equal(2, store.Current.Count);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Deny);
    }

    [Fact]
    public void Reload_with_a_good_edit_takes_effect_and_counts_a_generation()
    {
        using var store = Open();
        File.Delete(_dir.File("deny-admin.yaml"));

        Assert.True(store.Reload());

        Assert.Equal(1, store.Generation);
        Assert.Equal(1, store.Current.Count);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Allow);
    }

    [Fact]
    public async Task Good_edit_is_picked_up_by_the_file_watcher()
    {
        using var store = Open(watch: true);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Deny);

        _dir.Write("read-api.yaml", ReadApi.Replace("/api/*", "/v2/*", StringComparison.Ordinal));

        Assert.True(await EventuallyAsync(() => store.Generation >= 1), $"no reload within {WatchTimeout.TotalSeconds} s");
        AssertDecisions(store.Current, items: DecisionKind.Deny, admin: DecisionKind.Deny);
        Assert.Equal(DecisionKind.Allow, store.Current.Evaluate(FrontendGet("/v2/items")).Decision);
    }

    [Fact]
    public async Task New_file_is_picked_up_by_the_file_watcher()
    {
        using var store = Open(watch: true);

        _dir.Write("deny-items.yaml", DenyAdmin.Replace("deny-admin-api", "deny-items", StringComparison.Ordinal).Replace("/api/admin*", "/api/items", StringComparison.Ordinal));

        Assert.True(await EventuallyAsync(() => store.Generation >= 1), $"no reload within {WatchTimeout.TotalSeconds} s");
        Assert.Equal("demo/deny-items", store.Current.Evaluate(FrontendGet("/api/items")).Policy);
    }

    [Fact]
    public async Task Broken_edit_seen_by_the_file_watcher_is_rejected_and_the_old_policies_stay()
    {
        using var store = Open(watch: true);
        var before = store.Current;

        _dir.Write("deny-admin.yaml", DenyAdmin.Replace("action: DENY", "action: DENNY", StringComparison.Ordinal));

        Assert.True(await EventuallyAsync(() => _logs.Contains("still enforcing the last good policies")), "the watcher tried the reload and rejected it");
        Assert.Same(before, store.Current);
        Assert.Equal(0, store.Generation);
        AssertDecisions(store.Current, items: DecisionKind.Allow, admin: DecisionKind.Deny);
    }
}
