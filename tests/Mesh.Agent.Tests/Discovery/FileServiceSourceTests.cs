using System.Runtime.InteropServices;
using Mesh.Agent.Discovery;
using Mesh.Agent.Tests.Config;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Discovery;

/// <summary>FileServiceSource on real files: edits, bad edits, bursts, and Kubernetes ConfigMap-style symlink swaps.</summary>
public sealed partial class FileServiceSourceTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly ConfigDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Registry(string name, string address = "127.0.0.2") => $"""
        services:
          - name: {name}
            ports: [{"{"} port: 80, protocol: http {"}"}]
            endpoints: [{"{"} address: {address}, agent: "{address}:15008", identity: spiffe://cluster.local/ns/demo/sa/backend {"}"}]
          - name: ext.demo
            dns: {"{"} name: ext.example.internal, port: 443, agentPort: 15008, identity: spiffe://cluster.local/ns/demo/sa/ext {"}"}

        """;

    private static FileServiceSource Source(string path) => new(path, NullLogger<FileServiceSource>.Instance);

    [Fact]
    public async Task Initial_load_gives_the_services_and_the_dns_definitions()
    {
        await using var source = Source(_dir.Write("registry.yaml", Registry("backend.demo")));

        await source.StartAsync(CancellationToken.None);

        Assert.Equal(["backend.demo"], source.Services.Select(s => s.Name));
        Assert.Equal(["ext.demo"], source.DnsServices.Select(d => d.Service.Name));
        Assert.Null(source.LastError);
    }

    [Fact]
    public async Task Edit_is_picked_up_and_raises_changed()
    {
        var path = _dir.Write("registry.yaml", Registry("backend.demo"));
        await using var source = Source(path);
        await source.StartAsync(CancellationToken.None);
        var changed = 0;
        source.Changed += _ => Interlocked.Increment(ref changed);

        File.WriteAllText(path, Registry("renamed.demo"));

        Assert.True(await Eventually.HoldsAsync(() => source.Services is [{ Name: "renamed.demo" }], Wait), "the edit was not seen");
        Assert.True(Volatile.Read(ref changed) >= 1);
    }

    [Fact]
    public async Task Bad_edit_is_rejected_whole_and_the_last_good_registry_stays_until_fixed()
    {
        var path = _dir.Write("registry.yaml", Registry("backend.demo"));
        await using var source = Source(path);
        await source.StartAsync(CancellationToken.None);

        // One good service and one bad one: nothing of the edit is taken.
        File.WriteAllText(path, Registry("renamed.demo").Replace("port: 443", "port: 0", StringComparison.Ordinal));

        Assert.True(await Eventually.HoldsAsync(() => source.LastError is not null, Wait), "the bad edit was not reported");
        Assert.Contains("services[1].dns.port: '0' must be a whole number 1..65535", source.LastError, StringComparison.Ordinal);
        Assert.Equal(["backend.demo"], source.Services.Select(s => s.Name));

        File.WriteAllText(path, Registry("fixed.demo"));

        Assert.True(await Eventually.HoldsAsync(() => source.LastError is null && source.Services is [{ Name: "fixed.demo" }], Wait), "the fix was not taken");
    }

    [Fact]
    public async Task Burst_of_writes_is_debounced_into_few_reloads_ending_with_the_last()
    {
        var path = _dir.Write("registry.yaml", Registry("backend.demo"));
        await using var source = Source(path);
        await source.StartAsync(CancellationToken.None);
        var changed = 0;
        source.Changed += _ => Interlocked.Increment(ref changed);

        for (var i = 0; i < 10; i++)
        {
            File.WriteAllText(path, Registry($"v{i}.demo"));
            await Task.Delay(10);
        }

        Assert.True(await Eventually.HoldsAsync(() => source.Services is [{ Name: "v9.demo" }], Wait), "the last write was not loaded");
        await Task.Delay(300);
        Assert.InRange(Volatile.Read(ref changed), 1, 3);
    }

    [Fact]
    public async Task Configmap_symlink_swap_is_seen()
    {
        // The layout kubelet makes for a ConfigMap volume: registry.yaml -> ..data/registry.yaml, ..data -> ..<timestamp>.
        Directory.CreateDirectory(_dir.File("..2026_01"));
        _dir.Write("..2026_01/registry.yaml", Registry("backend.demo"));
        File.CreateSymbolicLink(_dir.File("..data"), "..2026_01");
        File.CreateSymbolicLink(_dir.File("registry.yaml"), "..data/registry.yaml");
        await using var source = Source(_dir.File("registry.yaml"));
        await source.StartAsync(CancellationToken.None);
        Assert.Equal(["backend.demo"], source.Services.Select(s => s.Name));

        // kubelet's atomic update: a new timestamped directory, a temporary link to it, renamed over ..data.
        _dir.Write("..2026_02/registry.yaml", Registry("swapped.demo"));
        File.CreateSymbolicLink(_dir.File("..data_tmp"), "..2026_02");
        Assert.Equal(0, Rename(_dir.File("..data_tmp"), _dir.File("..data"))); // rename(2): File.Move follows the link

        Assert.True(await Eventually.HoldsAsync(() => source.Services is [{ Name: "swapped.demo" }], Wait), "the symlink swap was not seen");
    }

    [Fact]
    public async Task Missing_file_at_start_is_an_error_not_a_crash()
    {
        await using var source = Source(_dir.File("absent.yaml"));

        await source.StartAsync(CancellationToken.None);

        Assert.Empty(source.Services);
        Assert.Contains("cannot read", source.LastError, StringComparison.Ordinal);
    }

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Rename(string from, string to);
}
