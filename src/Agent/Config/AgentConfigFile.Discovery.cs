namespace Mesh.Agent.Config;

// Service discovery beyond the registry file: discovery.kubernetes.
internal sealed partial class AgentConfigFile
{
    internal sealed class DiscoverySection
    {
        public KubernetesSection? Kubernetes { get; private init; }

        public static DiscoverySection Read(YamlMap map)
        {
            var section = new DiscoverySection { Kubernetes = map.Map("kubernetes") is { } k ? KubernetesSection.Read(k) : null };
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class KubernetesSection
    {
        public string? ApiServer { get; private init; }
        public int AgentPort { get; private init; }

        public static KubernetesSection Read(YamlMap map)
        {
            var section = new KubernetesSection { ApiServer = map.String("apiServer"), AgentPort = map.Int("agentPort") };
            map.EnsureAllRead();
            return section;
        }
    }
}
