using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.WorkloadApi;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>The attestor's rule: every selector a workload names must match; no attest, no match.</summary>
public sealed class WorkloadAttestorTests
{
    private static readonly FileIdentity PodNs = new(4, 4026532281, 0x8000);
    private static readonly FileIdentity HostNs = new(4, 4026531840, 0x8000);

    private static readonly CallerFacts Caller = new(new PeerCredentials(1234, 1001, 1001), PodNs,
        "0::/kubepods.slice/kubepods-pod1234abcd.slice/cri-containerd-9f.scope\n");

    private static FileIdentity? NetnsOf(string path) => path switch
    {
        "/var/run/netns/pod-a" => PodNs,
        "/var/run/netns/host" => HostNs,
        _ => null,
    };

    public static TheoryData<string, WorkloadAttestation?, bool> Cases => new()
    {
        { "uid matches", new(1001, null, null), true },
        { "uid differs", new(1002, null, null), false },
        { "root uid is not a wildcard", new(0, null, null), false },
        { "same network namespace", new(null, "/var/run/netns/pod-a", null), true },
        { "other network namespace", new(null, "/var/run/netns/host", null), false },
        { "namespace file missing (pod gone)", new(null, "/var/run/netns/gone", null), false },
        { "cgroup substring", new(null, null, "pod1234abcd"), true },
        { "cgroup not contained", new(null, null, "pod9999"), false },
        { "all three match", new(1001, "/var/run/netns/pod-a", "pod1234abcd"), true },
        { "two match, uid does not", new(1002, "/var/run/netns/pod-a", "pod1234abcd"), false },
        { "no attest: never served", null, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decides(string scenario, WorkloadAttestation? attest, bool matches)
    {
        var workload = new LocalWorkload
        {
            Name = "w",
            Namespace = "demo",
            ServiceAccount = "w",
            Address = System.Net.IPAddress.Loopback,
            Ports = [],
            Identity = TestCa.Id("demo", "w"),
            Attest = attest,
        };

        var result = new WorkloadAttestor([workload], NetnsOf).Attest(Caller);

        Assert.True(matches == result is CallerAttestation.Attested, scenario);
    }

    [Fact]
    public void A_caller_whose_proc_entries_vanished_matches_only_on_uid()
    {
        var gone = Caller with { Netns = null, Cgroup = null };
        var byUid = new LocalWorkload { Name = "a", Namespace = "demo", ServiceAccount = "a", Address = System.Net.IPAddress.Loopback, Ports = [], Identity = TestCa.Id("demo", "a"), Attest = new(1001, null, null) };
        var byNs = byUid with { Name = "b", ServiceAccount = "b", Identity = TestCa.Id("demo", "b"), Attest = new(null, "/var/run/netns/pod-a", null) };

        var result = Assert.IsType<CallerAttestation.Attested>(new WorkloadAttestor([byUid, byNs], NetnsOf).Attest(gone));

        Assert.Same(byUid, Assert.Single(result.Workloads));
    }
}
