namespace Mesh.Agent.Config;

// Transparent interception: the intercept section of the agent config, and the pods file it names.
internal sealed partial class AgentConfigFile
{
    internal sealed class InterceptSection
    {
        public string? Pods { get; private init; }
        public int OutboundPort { get; private init; }
        public int InboundPort { get; private init; }
        public int TunnelPort { get; private init; }
        public string? Mark { get; private init; }
        public string? OutsideMesh { get; private init; }

        public static InterceptSection Read(YamlMap map)
        {
            var section = new InterceptSection
            {
                Pods = map.String("pods"),
                OutboundPort = map.Int("outboundPort"),
                InboundPort = map.Int("inboundPort"),
                TunnelPort = map.Int("tunnelPort"),
                Mark = map.String("mark"),
                OutsideMesh = map.String("outsideMesh"),
            };
            map.EnsureAllRead();
            return section;
        }
    }

    /// <summary>The pods file: <c>pods:</c>, a list of workloads each with its <c>netns</c>.</summary>
    internal sealed class PodsSection
    {
        public IReadOnlyList<WorkloadSection> Pods { get; private init; } = [];

        public static PodsSection Read(YamlMap map)
        {
            var section = new PodsSection { Pods = map.List("pods").Select(WorkloadSection.Read).ToList() };
            map.EnsureAllRead();
            return section;
        }
    }
}
