using Mesh.Agent.Redirect;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.Tests.WorkloadApi;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>
/// A fresh network namespace for one test, with iptables run only inside it (never on the host's own tables). Deleting
/// the namespace removes its rules and interfaces too, so cleanup holds even when the test failed halfway.
/// </summary>
internal static class RedirectNetns
{
    /// <summary>Null, with the reason, when these tests cannot run here: not root, no ip, or no iptables of that variant.</summary>
    public static async Task<string?> WhyUnavailableAsync(string variant)
    {
        if (TestNetns.WhyUnavailable() is { } why)
        {
            return why;
        }
        foreach (var tool in new[] { "iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore" })
        {
            if (!new[] { "/usr/sbin/", "/sbin/", "/usr/bin/" }.Any(d => File.Exists(d + tool.Replace("tables", "tables" + variant, StringComparison.Ordinal))))
            {
                return $"{tool}{variant} is not installed (apt-get install iptables); .ci/run installs it";
            }
        }
        // The legacy backend needs the ip_tables kernel modules; a kernel without them cannot run those tests.
        await using var probe = await CreateAsync();
        var check = await ExternalTool.RunAsync("ip", ["netns", "exec", probe.Name, "iptables" + variant, "-t", "nat", "-S"]);
        return check.ExitCode == 0 ? null : $"iptables{variant} does not work in a network namespace here: {check.StdErr.Trim()}";
    }

    public static Task<TestNetns> CreateAsync() => TestNetns.CreateAsync("mesh-test-" + Guid.NewGuid().ToString("n")[..8]);

    /// <summary>iptables-save -t nat without its "# Generated/Completed on DATE" lines, which differ on every call.</summary>
    public static async Task<string> SaveNatAsync(TestNetns ns, IptablesTools tools)
    {
        var result = await ExternalTool.RunAsync("ip", ["netns", "exec", ns.Name, tools.Save, "-t", "nat"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return string.Join('\n', result.StdOut.Split('\n').Where(l => !l.StartsWith('#')));
    }

    public static async Task RunAsync(TestNetns ns, params string[] command)
    {
        var result = await ExternalTool.RunAsync("ip", ["netns", "exec", ns.Name, .. command]);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result}");
    }
}
