using System.Net;
using Mesh.Agent.Redirect;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>
/// Installs and removes the rules with real iptables (nft and legacy backends) in a namespace each test creates, and
/// compares iptables-save before and after.
/// </summary>
public sealed class RedirectInstallerTests
{
    private static readonly RedirectOptions Options = new()
    {
        ExcludeOutboundCidrs = [IPNetwork.Parse("198.18.10.0/24"), IPNetwork.Parse("2001:db8::/32")],
        ExcludeInboundPorts = [9090],
        Probes = [new ProbeBypass(IPNetwork.Parse("198.18.0.1/32"), [8080])],
    };

    public static TheoryData<string> Variants => new() { "-nft", "-legacy" };

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public async Task Installing_twice_leaves_the_same_rules_as_installing_once(string variant)
    {
        var why = await RedirectNetns.WhyUnavailableAsync(variant);
        Skip.If(why is not null, why);
        await using var ns = await RedirectNetns.CreateAsync();
        var installer = new RedirectInstaller(new CommandRunner(ns.Name), variant);

        await installer.InstallAsync(Options);
        var once = await SaveBothAsync(ns, variant);
        await installer.InstallAsync(Options);
        var twice = await SaveBothAsync(ns, variant);

        Assert.Equal(once, twice);
        Assert.Contains("-A OUTPUT -p tcp -j MESH_OUTPUT", once.V4, StringComparison.Ordinal);
        Assert.Contains("-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001", once.V4, StringComparison.Ordinal);
        Assert.Contains("-A MESH_OUTPUT -d ::1/128 -j RETURN", once.V6, StringComparison.Ordinal);
        Assert.Contains("-A PREROUTING -p tcp -j MESH_INBOUND", once.V6, StringComparison.Ordinal);
        Assert.Equal(RedirectRules.Chains.Count, (await installer.InstalledAsync(IpFamily.V4)).Count(l => l.StartsWith(":MESH_", StringComparison.Ordinal)));
    }

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public async Task Uninstalling_leaves_iptables_save_exactly_as_before_install_including_other_rules(string variant)
    {
        var why = await RedirectNetns.WhyUnavailableAsync(variant);
        Skip.If(why is not null, why);
        await using var ns = await RedirectNetns.CreateAsync();
        // Someone else's rules in the same chains: they must survive, in place.
        await RedirectNetns.RunAsync(ns, "iptables" + variant, "-t", "nat", "-N", "OTHER");
        await RedirectNetns.RunAsync(ns, "iptables" + variant, "-t", "nat", "-A", "OUTPUT", "-d", "198.18.9.9/32", "-j", "OTHER");
        await RedirectNetns.RunAsync(ns, "ip6tables" + variant, "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "9", "-j", "RETURN");
        var before = await SaveBothAsync(ns, variant);
        var installer = new RedirectInstaller(new CommandRunner(ns.Name), variant);

        await installer.InstallAsync(Options);
        Assert.NotEqual(before, await SaveBothAsync(ns, variant));
        await installer.UninstallAsync();
        var after = await SaveBothAsync(ns, variant);
        await installer.UninstallAsync();

        Assert.Equal(before.V4, after.V4);
        Assert.Equal(before.V6, after.V6);
        Assert.Equal(before, await SaveBothAsync(ns, variant));
        Assert.Empty(await installer.InstalledAsync(IpFamily.V4));
    }

    [SkippableFact]
    public async Task A_failing_iptables_command_is_reported_with_its_stderr()
    {
        var why = await RedirectNetns.WhyUnavailableAsync("");
        Skip.If(why is not null, why);
        var installer = new RedirectInstaller(new CommandRunner("mesh-test-does-not-exist"));

        var e = await Assert.ThrowsAsync<RedirectException>(() => installer.InstallAsync(new RedirectOptions()));

        Assert.Contains("ip netns exec mesh-test-does-not-exist iptables-restore --noflush failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("mesh-test-does-not-exist", e.Message[(e.Message.IndexOf("failed", StringComparison.Ordinal))..], StringComparison.Ordinal);
    }

    private static async Task<(string V4, string V6)> SaveBothAsync(WorkloadApi.TestNetns ns, string variant) =>
        (await RedirectNetns.SaveNatAsync(ns, new IptablesTools(IpFamily.V4, variant)),
         await RedirectNetns.SaveNatAsync(ns, new IptablesTools(IpFamily.V6, variant)));
}
