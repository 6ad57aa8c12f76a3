namespace Mesh.Agent.Config;

// The Workload API's parts of the config file: workloadApi at the top, attest per workload.
internal sealed partial class AgentConfigFile
{
    internal sealed class WorkloadApiSection
    {
        public string? Socket { get; private init; }

        public static WorkloadApiSection Read(YamlMap map)
        {
            var section = new WorkloadApiSection { Socket = map.String("socket") };
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class AttestSection
    {
        // Text, not a number yet: "absent" and "0" (root) must stay different.
        public string? Uid { get; private init; }
        public string? Netns { get; private init; }
        public string? Cgroup { get; private init; }

        public static AttestSection Read(YamlMap map)
        {
            var section = new AttestSection { Uid = map.String("uid"), Netns = map.String("netns"), Cgroup = map.String("cgroup") };
            map.EnsureAllRead();
            return section;
        }
    }
}
