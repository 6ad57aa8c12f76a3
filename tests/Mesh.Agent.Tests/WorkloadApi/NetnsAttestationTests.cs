using System.Diagnostics;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.WorkloadApi;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>
/// Network-namespace attestation against real processes in a namespace the test creates (root only; skipped
/// otherwise, with the reason).
/// </summary>
[Collection(WorkloadApiCollection.Name)]
public sealed class NetnsAttestationTests(WorkloadApiFixture mesh)
{
    [SkippableFact]
    public async Task A_process_in_the_namespace_is_recognised_by_its_netns_inode()
    {
        var why = TestNetns.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var ns = await TestNetns.CreateAsync(mesh.NetnsName);
        using var child = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns.Name, "sleep", "30"]) { UseShellExecute = false })!;
        try
        {
            // ip-netns exec enters the namespace, then execs sleep in the same process: the pid stays, the namespace changes.
            var expected = FileIdentity.Of(ns.Path);
            Assert.NotNull(expected);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (FileIdentity.Of($"/proc/{child.Id}/ns/net") != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            var facts = CallerFacts.Read(new PeerCredentials(child.Id, 0, 0));

            Assert.Equal(expected, facts.Netns);
            Assert.NotEqual(FileIdentity.Of("/proc/self/ns/net"), facts.Netns);
            Assert.NotNull(facts.Cgroup);
            var inPod = Workload("pod", new WorkloadAttestation(null, ns.Path, null));
            var onHost = Workload("host", new WorkloadAttestation(null, $"/proc/{Environment.ProcessId}/ns/net", null));
            var attested = Assert.IsType<CallerAttestation.Attested>(new WorkloadAttestor([inPod, onHost], FileIdentity.Of).Attest(facts));
            Assert.Same(inPod, Assert.Single(attested.Workloads));
        }
        finally
        {
            child.Kill();
            await child.WaitForExitAsync();
        }
    }

    [SkippableFact]
    public async Task A_client_in_the_namespace_gets_the_pod_identity_and_one_outside_does_not()
    {
        var why = TestNetns.WhyUnavailable();
        Skip.If(why is not null, why);
        await using var ns = await TestNetns.CreateAsync(mesh.NetnsName);
        // A standard HTTP/2 client speaking gRPC by hand: FetchJWTSVID{audience: ["orders"]} in one length-prefixed frame.
        var request = Path.Combine(mesh.Dir, "fetch-jwt.bin");
        File.WriteAllBytes(request, [0, 0, 0, 0, 8, 0x0a, 6, .. "orders"u8]);
        string[] curl =
        [
            "curl", "--silent", "--show-error", "--max-time", "15", "--http2-prior-knowledge", "--unix-socket", mesh.Agent.WorkloadApiSocket!,
            "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "workload.spiffe.io: true",
            "--data-binary", "@" + request, "--output", "-", "http://localhost/SpiffeWorkloadAPI/FetchJWTSVID",
        ];

        var inside = await ExternalTool.RunAsync("ip", ["netns", "exec", ns.Name, .. curl]);
        var outside = await ExternalTool.RunAsync(curl[0], curl[1..]);

        Assert.True(inside.ExitCode == 0, inside.ToString());
        // curl runs as root inside the namespace too, so it also matches frontend's uid selector: a caller gets every
        // identity whose selectors it satisfies.
        Assert.Contains(WorkloadApiFixture.PodId.ToString(), inside.StdOut, StringComparison.Ordinal);
        Assert.True(outside.ExitCode == 0, outside.ToString());
        Assert.Contains(WorkloadApiFixture.FrontendId.ToString(), outside.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(WorkloadApiFixture.PodId.ToString(), outside.StdOut, StringComparison.Ordinal);
    }

    private static LocalWorkload Workload(string name, WorkloadAttestation attest) => new()
    {
        Name = name,
        Namespace = "demo",
        ServiceAccount = name,
        Address = System.Net.IPAddress.Loopback,
        Ports = [],
        Identity = TestCa.Id("demo", name),
        Attest = attest,
    };
}
