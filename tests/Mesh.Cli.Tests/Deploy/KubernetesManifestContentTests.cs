using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>What the manifests promise in deploy/kubernetes/README.md and docs/ca-api.md.</summary>
public sealed class KubernetesManifestContentTests
{
    private const string Namespace = "mesh-system";

    // The agent's capabilities, each justified in deploy/kubernetes/README.md ("Security notes").
    private static readonly string[] AgentCapabilities = ["NET_ADMIN", "SYS_ADMIN"];

    private static V1DaemonSet Agent => KubernetesManifests.Single<V1DaemonSet>("mesh-agent");

    private static V1Container AgentContainer => Agent.Spec.Template.Spec.Containers.Single(c => c.Name == "agent");

    private static V1Deployment Ca => KubernetesManifests.Single<V1Deployment>("mesh-ca");

    [Fact]
    public void The_agent_bootstraps_with_a_projected_token_for_audience_mesh_ca()
    {
        var volume = Agent.Spec.Template.Spec.Volumes.Single(v => v.Projected?.Sources?.Any(s => s.ServiceAccountToken is not null) == true);
        var token = volume.Projected.Sources.Single(s => s.ServiceAccountToken is not null).ServiceAccountToken;

        Assert.Equal("mesh-ca", token.Audience);
        Assert.InRange(token.ExpirationSeconds ?? 0, 600, 86400);   // the API server's minimum is 600 s
        var mount = AgentContainer.VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.Equal(AgentConfig().CaTokenFile, $"{mount.MountPath}/{token.Path}");
        Assert.Equal("mesh-agent", Agent.Spec.Template.Spec.ServiceAccountName);
        // The only token in the pod: the API server's default one is not mounted.
        Assert.False(Agent.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void The_agent_probes_hit_healthz_and_ready_on_the_admin_port()
    {
        var adminPort = int.Parse(AgentConfig().Admin.Split(':')[1]);

        Assert.Equal("/healthz", AgentContainer.LivenessProbe.HttpGet.Path);
        Assert.Equal("/ready", AgentContainer.ReadinessProbe.HttpGet.Path);
        Assert.Equal(adminPort.ToString(), AgentContainer.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal(adminPort.ToString(), AgentContainer.ReadinessProbe.HttpGet.Port.Value);
        // admin.listen is loopback; the kubelet reaches it only because the pod shares the host's network.
        Assert.True(Agent.Spec.Template.Spec.HostNetwork);
        Assert.Equal("127.0.0.1", AgentContainer.LivenessProbe.HttpGet.Host);
        Assert.Equal("127.0.0.1", AgentContainer.ReadinessProbe.HttpGet.Host);
    }

    [Fact]
    public void The_agent_has_exactly_the_documented_capabilities()
    {
        var security = AgentContainer.SecurityContext;

        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal(AgentCapabilities.Order(), security.Capabilities.Add.Order());
        Assert.NotEqual(true, security.Privileged);
        Assert.True(security.ReadOnlyRootFilesystem);
        // The API server refuses allowPrivilegeEscalation: false beside CAP_SYS_ADMIN.
        Assert.Null(security.AllowPrivilegeEscalation);
        var readme = File.ReadAllText(Path.Combine(KubernetesManifests.Directory, "README.md"));
        foreach (var cap in AgentCapabilities.Append("NET_RAW"))
        {
            Assert.Contains($"`{cap}`", readme, StringComparison.Ordinal);
        }
        // Every other container drops everything and adds nothing.
        foreach (var c in All<V1PodTemplateSpec>().SelectMany(t => (t.Spec.InitContainers ?? []).Concat(t.Spec.Containers)).Where(c => c != AgentContainer))
        {
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
            Assert.Null(c.SecurityContext.Capabilities.Add);
            Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
        }
    }

    [Fact]
    public void The_agent_mounts_the_host_paths_it_needs()
    {
        var hostPaths = Agent.Spec.Template.Spec.Volumes.Where(v => v.HostPath is not null).ToDictionary(v => v.HostPath.Path, v => v.Name);

        Assert.Equal(["/run/mesh", "/var/lib/mesh", "/var/run/netns"], hostPaths.Keys.Order());
        var netns = AgentContainer.VolumeMounts.Single(m => m.Name == hostPaths["/var/run/netns"]);
        Assert.True(netns.ReadOnlyProperty);
        Assert.Equal("HostToContainer", netns.MountPropagation);
        Assert.StartsWith(AgentContainer.VolumeMounts.Single(m => m.Name == hostPaths["/run/mesh"]).MountPath + "/", AgentConfig().WorkloadApiSocket, StringComparison.Ordinal);
    }

    [Fact]
    public void The_agent_requests_memory_above_its_measured_peak()
    {
        var resources = AgentContainer.Resources;

        // README.md: ~80 MiB idle, ~120-131 MiB peak RSS.
        Assert.True(resources.Requests["memory"].ToInt64() >= 128L << 20);
        Assert.True(resources.Limits["memory"].ToInt64() >= 2 * (120L << 20));
        Assert.NotNull(resources.Requests["cpu"]);
        Assert.NotNull(resources.Limits["cpu"]);
    }

    [Fact]
    public void The_ca_service_listens_on_15012_and_agents_use_it()
    {
        var service = KubernetesManifests.Single<V1Service>("mesh-ca");
        var port = Assert.Single(service.Spec.Ports);
        var container = Assert.Single(Ca.Spec.Template.Spec.Containers);

        Assert.Equal(15012, port.Port);
        Assert.Equal(15012, container.Ports.Single(p => p.Name == port.TargetPort.Value).ContainerPort);
        Assert.Equal(Ca.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.Equal("0.0.0.0:15012", CaConfig()["listen"].ToString());
        Assert.Equal(new Uri("https://mesh-ca.mesh-system.svc:15012"), new Uri(AgentConfig().CaAddress));
    }

    [Fact]
    public void The_ca_runs_one_replica_recreated_not_rolled()
    {
        Assert.Equal(1, Ca.Spec.Replicas);
        Assert.Equal("Recreate", Ca.Spec.Strategy.Type);
        Assert.True(Ca.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
    }

    [Fact]
    public void The_ca_accepts_the_agents_projected_tokens()
    {
        var k8s = (YamlMappingNode)((YamlMappingNode)CaConfig()["auth"])["kubernetes"];

        Assert.Equal("mesh-ca", k8s["audience"].ToString());
        Assert.Equal([$"{Namespace}/mesh-agent"], ((YamlSequenceNode)k8s["agentServiceAccounts"]).Select(n => n.ToString()));
        var jwksMount = Ca.Spec.Template.Spec.Containers[0].VolumeMounts.Single(m => k8s["jwksFile"].ToString().StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        Assert.Equal("mesh-cluster-jwks", Ca.Spec.Template.Spec.Volumes.Single(v => v.Name == jwksMount.Name).ConfigMap.Name);
    }

    [Fact]
    public void Nothing_is_granted_by_the_api_server()
    {
        Assert.DoesNotContain(KubernetesManifests.All, o => o is V1Role or V1ClusterRole or V1RoleBinding or V1ClusterRoleBinding);
        foreach (var sa in KubernetesManifests.All.OfType<V1ServiceAccount>())
        {
            Assert.False(sa.AutomountServiceAccountToken, sa.Metadata.Name);
        }
    }

    [Fact]
    public void Every_object_but_the_namespace_is_in_mesh_system()
    {
        var ns = Assert.Single(KubernetesManifests.All.OfType<V1Namespace>());
        Assert.Equal(Namespace, ns.Metadata.Name);
        foreach (var o in KubernetesManifests.All.OfType<k8s.IKubernetesObject<V1ObjectMeta>>().Where(o => o is not V1Namespace))
        {
            Assert.Equal(Namespace, o.Metadata.NamespaceProperty);
        }
    }

    private static IEnumerable<T> All<T>() => KubernetesManifests.All.Select(o => o switch
    {
        V1DaemonSet d => d.Spec.Template,
        V1Deployment d => d.Spec.Template,
        V1Pod p => new V1PodTemplateSpec { Metadata = p.Metadata, Spec = p.Spec },
        _ => null,
    }).OfType<T>();

    internal static string ConfigMapData(string configMap, string key) => KubernetesManifests.Single<V1ConfigMap>(configMap).Data[key];

    private static YamlMappingNode CaConfig() => Yaml(ConfigMapData("mesh-ca-config", "ca.yaml"));

    private static AgentYaml AgentConfig()
    {
        var root = Yaml(ConfigMapData("mesh-agent-config", "agent.yaml"));
        var ca = (YamlMappingNode)root["ca"];
        return new AgentYaml(
            ca["address"].ToString(),
            ca["tokenFile"].ToString(),
            ((YamlMappingNode)root["admin"])["listen"].ToString(),
            ((YamlMappingNode)root["workloadApi"])["socket"].ToString());
    }

    private static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private sealed record AgentYaml(string CaAddress, string CaTokenFile, string Admin, string WorkloadApiSocket);
}
