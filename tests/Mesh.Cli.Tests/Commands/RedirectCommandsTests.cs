using System.Diagnostics;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh redirect`: the real program; install and uninstall only inside a namespace the test creates (root only).</summary>
public sealed class RedirectCommandsTests
{
    [Fact]
    public async Task Show_prints_the_rules_for_both_families_and_only_IPv4_with_ipv6_false()
    {
        var both = await MeshProcess.RunAsync(["redirect", "show", "--outbound-port", "15101", "--exclude-outbound-cidrs", "198.18.10.0/24", "2001:db8::/32"]);
        var v4 = await MeshProcess.RunAsync(["redirect", "show", "--ipv6", "false"]);

        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Contains("# ip6tables", both.StdOutLines);
        Assert.Contains("-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15101", both.StdOutLines);
        Assert.Contains("-A MESH_OUTPUT -d 198.18.10.0/24 -j RETURN", both.StdOutLines);
        Assert.Contains("-A MESH_OUTPUT -d 2001:db8::/32 -j RETURN", both.StdOutLines);
        Assert.True(v4.ExitCode == 0, v4.ToString());
        Assert.DoesNotContain("# ip6tables", v4.StdOutLines);
        Assert.Contains("-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001", v4.StdOutLines);
    }

    [Theory]
    [InlineData("--outbound-port", "70000", "mesh: --outbound-port 70000 is not a TCP port (1-65535)")]
    [InlineData("--exclude-outbound-cidrs", "198.18.0.1/15", "mesh: --exclude-outbound-cidrs '198.18.0.1/15' is not a CIDR with zero host bits, such as 198.18.0.0/15")]
    public async Task A_bad_value_is_one_line_and_exit_1(string option, string value, string expected)
    {
        var result = await MeshProcess.RunAsync(["redirect", "show", option, value]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.StdErrLines);
    }

    [SkippableFact]
    public async Task Install_twice_then_uninstall_in_a_namespace()
    {
        Skip.If(Environment.UserName != "root", "needs root to create a network namespace; CI runs as root");
        Skip.If(!File.Exists("/usr/sbin/iptables") && !File.Exists("/sbin/iptables"), "iptables is not installed; .ci/run installs it");
        var ns = "mesh-test-" + Guid.NewGuid().ToString("n")[..8];
        await RunAsync("ip", "netns", "add", ns);
        try
        {
            var first = await MeshProcess.RunAsync(["redirect", "install", "--netns", ns]);
            var second = await MeshProcess.RunAsync(["redirect", "install", "--netns", ns]);
            var shown = await MeshProcess.RunAsync(["redirect", "show", "--installed", "--netns", ns]);
            var removed = await MeshProcess.RunAsync(["redirect", "uninstall", "--netns", ns]);
            var after = await MeshProcess.RunAsync(["redirect", "show", "--installed", "--netns", ns]);

            Assert.True(first.ExitCode == 0 && second.ExitCode == 0, $"{first}\n{second}");
            // One jump per family (iptables and ip6tables), however often install ran.
            Assert.Equal(2, shown.StdOutLines.Count(l => l == "-A OUTPUT -p tcp -j MESH_OUTPUT"));
            Assert.True(removed.ExitCode == 0, removed.ToString());
            Assert.Equal(["# iptables", "# (nothing installed)", "# ip6tables", "# (nothing installed)"], after.StdOutLines);
        }
        finally
        {
            await RunAsync("ip", "netns", "delete", ns);
        }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
