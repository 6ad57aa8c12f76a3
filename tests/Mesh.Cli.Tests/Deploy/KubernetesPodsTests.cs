using System.Diagnostics;
using k8s.Models;
using Mesh.Agent.Config;
using Mesh.Cli.Tests.Support;
using Mesh.Identity;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>
/// The pods file of in-pod interception: the mesh-pods ConfigMap, its documented example, and the sync-pods sidecar
/// that puts this node's key where the agent watches it.
/// </summary>
public sealed class KubernetesPodsTests
{
    private static V1PodSpec AgentPod => KubernetesManifests.Single<V1DaemonSet>("mesh-agent").Spec.Template.Spec;

    private static V1Container SyncPods => AgentPod.InitContainers.Single(c => c.Name == "sync-pods");

    [Fact]
    public void The_commented_example_entry_loads_as_a_pods_file()
    {
        using var root = new TempDir();
        var file = Path.Combine(root.Path, "node-worker-1.yaml");
        File.WriteAllText(file, "pods:\n" + CommentedExample());

        var pod = Assert.Single(PodsLoader.Load(file, TrustDomain.Parse("cluster.local")));

        Assert.Equal("spiffe://cluster.local/ns/shop/sa/backend", pod.Identity.ToString());
        Assert.Equal("10.244.1.17", pod.Address.ToString());
        Assert.Equal(2, pod.Ports.Count);
        // Its netns is under the host path the agent mounts for pod namespaces.
        var netns = AgentPod.Containers.Single(c => c.Name == "agent").VolumeMounts.Single(m => m.Name == "netns");
        Assert.StartsWith(netns.MountPath + "/", pod.Netns, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_key_serves_no_pods()
    {
        using var root = new TempDir();
        var file = Path.Combine(root.Path, "default.yaml");
        File.WriteAllText(file, KubernetesManifestContentTests.ConfigMapData("mesh-pods", "default.yaml"));

        // A pod runs on one node: a default shared by every node without a key must list none.
        Assert.Empty(PodsLoader.Load(file, TrustDomain.Parse("cluster.local")));
    }

    [Fact]
    public void The_sidecar_writes_the_file_the_agent_reads_and_is_started_before_it()
    {
        var agentMounts = AgentPod.Containers.Single(c => c.Name == "agent").VolumeMounts;
        var podsMount = agentMounts.Single(m => m.Name == "pods");

        Assert.Equal("/etc/mesh/pods/pods.yaml", AgentIntercept());
        Assert.Equal(podsMount.MountPath + "/pods.yaml", AgentIntercept());
        Assert.True(podsMount.ReadOnlyProperty);
        Assert.NotNull(AgentPod.Volumes.Single(v => v.Name == "pods").EmptyDir);
        Assert.Equal(podsMount.MountPath, SyncPods.VolumeMounts.Single(m => m.Name == "pods").MountPath);
        Assert.Equal("mesh-pods", AgentPod.Volumes.Single(v => v.Name == SyncPods.VolumeMounts.Single(m => m.ReadOnlyProperty == true).Name).ConfigMap.Name);
        // A native sidecar whose startup probe waits for the first copy: the agent refuses to start without its pods file.
        Assert.Equal("Always", SyncPods.RestartPolicy);
        Assert.Contains(AgentIntercept(), SyncPods.StartupProbe.Exec.Command);
    }

    [Fact]
    public void The_sidecar_copies_this_nodes_key_else_the_default_and_replaces_the_file_by_rename()
    {
        using var root = new TempDir();
        var source = Directory.CreateDirectory(root.Path + "/etc/mesh/pods-source").FullName;
        var target = Directory.CreateDirectory(root.Path + "/etc/mesh/pods").FullName + "/pods.yaml";
        File.WriteAllText(source + "/default.yaml", "pods: []\n");
        File.WriteAllText(source + "/node-worker-2.yaml", "pods: [other node]\n");
        var script = SyncPods.Command[2].Replace("/etc/mesh/", root.Path + "/etc/mesh/", StringComparison.Ordinal)
            .Replace("sleep 5", "sleep 0.05", StringComparison.Ordinal);
        var start = new ProcessStartInfo(SyncPods.Command[0], [SyncPods.Command[1], script]);
        start.Environment["NODE_NAME"] = "worker-1";
        using var sidecar = Process.Start(start)!;
        try
        {
            WaitFor(target, "pods: []\n");

            File.WriteAllText(source + "/node-worker-1.yaml", "pods: [first]\n");
            WaitFor(target, "pods: [first]\n");

            using var before = File.OpenRead(target);
            File.WriteAllText(source + "/node-worker-1.yaml", "pods: [second]\n");
            WaitFor(target, "pods: [second]\n");
            // The file open before the edit still reads the old text: pods.yaml was replaced (a rename the agent's
            // watch sees), not rewritten in place where the agent could read half a file.
            Assert.Equal("pods: [first]\n", new StreamReader(before).ReadToEnd());
            Assert.Equal(["pods.yaml"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
        }
        finally
        {
            sidecar.Kill(entireProcessTree: true);
            sidecar.WaitForExit();
        }
    }

    private static void WaitFor(string file, string content)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(File.Exists(file) && File.ReadAllText(file) == content))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{file} never became '{content.Trim()}'");
            Thread.Sleep(20);
        }
    }

    private static string AgentIntercept()
    {
        var agentYaml = KubernetesManifestContentTests.ConfigMapData("mesh-agent-config", "agent.yaml");
        var line = agentYaml.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("pods: ", StringComparison.Ordinal));
        return line["pods: ".Length..];
    }

    // The example in 40-agent-config.yaml's comment: the first run of "#   "-indented lines after its introduction.
    private static string CommentedExample()
    {
        var lines = File.ReadAllLines(Path.Combine(KubernetesManifests.Directory, "40-agent-config.yaml"));
        var start = Array.FindIndex(lines, l => l.Contains("as it would appear under pods:", StringComparison.Ordinal));
        Assert.True(start >= 0, "the pods example's introduction is gone from 40-agent-config.yaml");
        var example = lines.Skip(start + 1).SkipWhile(l => !l.StartsWith("#   ", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("#   ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
        Assert.NotEmpty(example);
        return string.Join("\n", example) + "\n";
    }
}
