using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>A network namespace made with ip-netns(8) for one test, deleted on dispose even when the test failed.</summary>
internal sealed class TestNetns : IAsyncDisposable
{
    private TestNetns(string name) => Name = name;

    public string Name { get; }

    public string Path => "/var/run/netns/" + Name;

    /// <summary>Null, with the reason, when namespaces cannot be made here (not root, no ip).</summary>
    public static string? WhyUnavailable() =>
        WorkloadApiFixture.MyUid != 0 ? "network namespace tests need root (ip netns add); CI runs them as root"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "ip (iproute2) is not installed"
        : null;

    public static async Task<TestNetns> CreateAsync(string name)
    {
        var result = await ExternalTool.RunAsync("ip", ["netns", "add", name]);
        Assert.True(result.ExitCode == 0, $"ip netns add {name}: {result}");
        return new TestNetns(name);
    }

    public async ValueTask DisposeAsync() => await ExternalTool.RunAsync("ip", ["netns", "delete", Name]);
}
