using Mesh.Agent.Config;

namespace Mesh.Agent.Tests.Config;

/// <summary>The Workload API's config: the socket, and each workload's attest selectors.</summary>
public sealed class WorkloadApiConfigTests : IDisposable
{
    private const string Base = """
        node: node-1
        trustDomain: cluster.local
        ca: { address: "https://127.0.0.1:8443", rootCert: root.pem, tokenFile: node.token }
        policies: ./policies
        decisionLog: ./decisions.log
        inbound: { listen: "127.0.0.1:15006" }
        workloadApi:
          socket: run/workload.sock
        workloads:
          - name: frontend
            namespace: demo
            serviceAccount: frontend
            address: 127.0.0.1
            attest: { uid: 1001, netns: /var/run/netns/pod-a, cgroup: pod1234 }
          - name: backend
            namespace: demo
            serviceAccount: backend
            address: 127.0.0.1

        """;

    private readonly ConfigDir _dir = new();

    public WorkloadApiConfigTests() => _dir.Write("node.token", "t\n");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Socket_is_resolved_against_the_config_and_selectors_are_read()
    {
        var options = AgentConfigLoader.Load(_dir.Write("agent.yaml", Base));

        Assert.Equal(_dir.File("run/workload.sock"), options.WorkloadApi?.SocketPath);
        Assert.Equal(new WorkloadAttestation(1001, "/var/run/netns/pod-a", "pod1234"), options.Workloads[0].Attest);
        Assert.Null(options.Workloads[1].Attest);
    }

    [Fact]
    public void Workload_api_is_optional_and_uid_zero_is_root_not_absent()
    {
        var config = Base.Replace("workloadApi:\n  socket: run/workload.sock\n", "", StringComparison.Ordinal)
            .Replace("attest: { uid: 1001, netns: /var/run/netns/pod-a, cgroup: pod1234 }", "attest: { uid: 0 }", StringComparison.Ordinal);

        var options = AgentConfigLoader.Load(_dir.Write("agent.yaml", config));

        Assert.Null(options.WorkloadApi);
        Assert.Equal(new WorkloadAttestation(0, null, null), options.Workloads[0].Attest);
    }

    public static TheoryData<string, string, string> Errors => new()
    {
        { "socket: run/workload.sock", "socket: \"\"", "workloadApi.socket: required" },
        { "uid: 1001", "uid: alice", "workloads[0].attest.uid: 'alice' is not a user id" },
        { "uid: 1001", "uid: -1", "workloads[0].attest.uid: '-1' is not a user id" },
        { "netns: /var/run/netns/pod-a", "netns: pod-a", "workloads[0].attest.netns: 'pod-a' must be an absolute path" },
        { "cgroup: pod1234", "cgroup: \" \"", "workloads[0].attest.cgroup: must not be blank" },
        { "{ uid: 1001, netns: /var/run/netns/pod-a, cgroup: pod1234 }", "{ }", "workloads[0].attest: name at least one of uid, netns, cgroup" },
        { "cgroup: pod1234", "cgroup: pod1234, pid: 7", "unknown field 'pid'" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Errors_name_the_field(string find, string replace, string expected)
    {
        Assert.Contains(find, Base, StringComparison.Ordinal);
        var path = _dir.Write("agent.yaml", Base.Replace(find, replace, StringComparison.Ordinal));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
