using static Mesh.Policy.Tests.Authentication.AuthnYaml;

namespace Mesh.Policy.Tests.Authentication;

/// <summary>ModeFor: mesh, namespace, workload and port precedence, UNSET inheritance, the default, and who decided.</summary>
public sealed class PeerAuthenticationSetTests
{
    private static readonly Dictionary<string, string> Finance = new() { ["app"] = "finance", ["tier"] = "back" };
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    public sealed record Case(string Name, string Yaml, string Namespace, Dictionary<string, string> Labels, int Port, MtlsMode Mode, string? Policy)
    {
        public override string ToString() => Name;
    }

    private static readonly string MeshStrict = Peer("istio-system", "mesh", "mtls: {mode: STRICT}");
    private static readonly string NsPermissive = Peer("foo", "default", "mtls: {mode: PERMISSIVE}");
    private static readonly string FinanceStrictPort8080Disable = Peer("foo", "finance", """
        selector:
          matchLabels:
            app: finance
        mtls:
          mode: STRICT
        portLevelMtls:
          8080:
            mode: DISABLE
          9090:
            mode: UNSET
        """);

    public static TheoryData<Case> Cases => new()
    {
        new("nothing applies: PERMISSIVE", "", "foo", Web, 80, MtlsMode.Permissive, null),
        new("mesh-wide applies everywhere", MeshStrict, "foo", Web, 80, MtlsMode.Strict, "istio-system/mesh"),
        new("mesh-wide applies in the root namespace too", MeshStrict, "istio-system", Web, 80, MtlsMode.Strict, "istio-system/mesh"),
        new("namespace overrides mesh", MeshStrict + NsPermissive, "foo", Web, 80, MtlsMode.Permissive, "foo/default"),
        new("namespace policy stays in its namespace", MeshStrict + NsPermissive, "bar", Web, 80, MtlsMode.Strict, "istio-system/mesh"),
        new("workload overrides namespace", NsPermissive + FinanceStrictPort8080Disable, "foo", Finance, 80, MtlsMode.Strict, "foo/finance"),
        new("workload policy skips other workloads", NsPermissive + FinanceStrictPort8080Disable, "foo", Web, 80, MtlsMode.Permissive, "foo/default"),
        new("port level overrides workload", NsPermissive + FinanceStrictPort8080Disable, "foo", Finance, 8080, MtlsMode.Disable, "foo/finance"),
        new("UNSET port inherits the workload mode", NsPermissive + FinanceStrictPort8080Disable, "foo", Finance, 9090, MtlsMode.Strict, "foo/finance"),
        new("UNSET namespace inherits mesh", MeshStrict + Peer("foo", "default", "mtls: {mode: UNSET}"), "foo", Web, 80, MtlsMode.Strict, "istio-system/mesh"),
        new("empty spec inherits mesh", MeshStrict + Peer("foo", "default", ""), "foo", Web, 80, MtlsMode.Strict, "istio-system/mesh"),
        new("UNSET everywhere: default, no policy", Peer("istio-system", "mesh", "mtls: {}") + Peer("foo", "default", "mtls: {mode: UNSET}"), "foo", Web, 80, MtlsMode.Permissive, null),
        new("UNSET workload with port override inherits namespace for other ports",
            NsPermissive + Peer("foo", "finance", "selector: {matchLabels: {app: finance}}\nportLevelMtls:\n  8080: {mode: STRICT}"),
            "foo", Finance, 80, MtlsMode.Permissive, "foo/default"),
        new("UNSET workload port override", NsPermissive + Peer("foo", "finance", "selector: {matchLabels: {app: finance}}\nportLevelMtls:\n  8080: {mode: STRICT}"),
            "foo", Finance, 8080, MtlsMode.Strict, "foo/finance"),
        new("empty matchLabels is namespace-wide", Peer("foo", "default", "selector: {matchLabels: {}}\nmtls: {mode: DISABLE}"), "foo", Web, 80, MtlsMode.Disable, "foo/default"),
        new("selector needs every label", Peer("foo", "narrow", "selector: {matchLabels: {app: finance, tier: front}}\nmtls: {mode: STRICT}"), "foo", Finance, 80, MtlsMode.Permissive, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mode_for_a_workload_port(Case c)
    {
        var set = Load(c.Yaml).PeerAuthentications!;

        var (mode, policy) = set.ModeFor(c.Namespace, c.Labels, c.Port);

        Assert.Equal((c.Mode, c.Policy), (mode, policy));
    }

    [Fact]
    public void The_agent_can_make_the_default_strict()
    {
        var options = new PolicyLoaderOptions { DefaultMtlsMode = MtlsMode.Strict };
        var set = Load(Peer("foo", "default", "mtls: {mode: UNSET}") + Peer("bar", "default", "mtls: {mode: PERMISSIVE}"), options).PeerAuthentications!;

        Assert.Equal(MtlsMode.Strict, set.DefaultMode);
        Assert.Equal(new MtlsDecision(MtlsMode.Strict, null), set.ModeFor("foo", Web, 80));
        Assert.Equal(new MtlsDecision(MtlsMode.Permissive, "bar/default"), set.ModeFor("bar", Web, 80));
    }

    [Fact]
    public void The_root_namespace_is_configurable()
    {
        var options = new PolicyLoaderOptions { RootNamespace = "mesh-root" };
        var yaml = Peer("mesh-root", "mesh", "mtls: {mode: STRICT}") + Peer("istio-system", "default", "mtls: {mode: DISABLE}");

        var set = Load(yaml, options).PeerAuthentications!;

        Assert.Equal(new MtlsDecision(MtlsMode.Strict, "mesh-root/mesh"), set.ModeFor("foo", Web, 80));
        Assert.Equal(new MtlsDecision(MtlsMode.Disable, "istio-system/default"), set.ModeFor("istio-system", Web, 80));
    }

    [Fact]
    public void Both_api_versions_load_and_count()
    {
        var yaml = Peer("foo", "a", "mtls: {mode: STRICT}").Replace("security.istio.io/v1\n", "security.istio.io/v1beta1\n", StringComparison.Ordinal)
            + Peer("bar", "b", "mtls: {mode: STRICT}");

        var result = Load(yaml);

        Assert.Equal(2, result.PeerAuthentications!.Count);
        Assert.Equal(0, result.Policies!.Count);
        Assert.Equal(0, result.RequestAuthentications!.Count);
    }

    [Fact]
    public void Disjoint_workload_selectors_in_one_namespace_load()
    {
        var yaml = Peer("foo", "finance", "selector: {matchLabels: {app: finance}}\nmtls: {mode: STRICT}")
            + Peer("foo", "web", "selector: {matchLabels: {app: web}}\nmtls: {mode: DISABLE}");

        var set = Load(yaml).PeerAuthentications!;

        Assert.Equal(MtlsMode.Strict, set.ModeFor("foo", Finance, 80).Mode);
        Assert.Equal(MtlsMode.Disable, set.ModeFor("foo", Web, 80).Mode);
    }

    [Fact]
    public void Empty_set_is_permissive()
    {
        Assert.Equal(new MtlsDecision(MtlsMode.Permissive, null), PeerAuthenticationSet.Empty.ModeFor("foo", Web, 80));
    }
}
