using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>
/// Reads the pods file of in-pod interception: the workloads of <c>workloads</c>, each with the path of its network
/// namespace. Every problem is reported at once; a file with any error is rejected whole.
/// </summary>
public static class PodsLoader
{
    public static IReadOnlyList<LocalWorkload> Load(string path, TrustDomain trustDomain)
    {
        var file = ConfigFiles.Read(path, AgentConfigFile.PodsSection.Read);
        var errors = new List<string>();
        var pods = new List<LocalWorkload>();
        for (var i = 0; i < file.Pods.Count; i++)
        {
            var at = $"pods[{i}]";
            var section = file.Pods[i];
            if (string.IsNullOrWhiteSpace(section.Netns))
            {
                errors.Add($"{at}.netns: required (the pod's network namespace, e.g. /var/run/netns/NAME or /proc/PID/ns/net)");
            }
            if (section.Attest is not null)
            {
                errors.Add($"{at}.attest: the Workload API serves workloads of the agent config only");
            }
            if (AgentConfigLoader.ReadWorkload(section, at, trustDomain, errors) is { } pod && !string.IsNullOrWhiteSpace(section.Netns))
            {
                pods.Add(pod);
            }
        }
        foreach (var dup in pods.GroupBy(p => p.Key).Where(g => g.Count() > 1))
        {
            errors.Add($"pods: '{dup.Key}' is listed more than once");
        }
        foreach (var dup in pods.GroupBy(p => p.Netns).Where(g => g.Count() > 1))
        {
            errors.Add($"pods: netns '{dup.Key}' is listed for {string.Join(" and ", dup.Select(p => p.Key))}");
        }
        foreach (var dup in pods.GroupBy(p => p.Address).Where(g => g.Count() > 1))
        {
            errors.Add($"pods: address {dup.Key} is listed for {string.Join(" and ", dup.Select(p => p.Key))}");
        }
        if (errors.Count > 0)
        {
            throw new ConfigException($"{path}: invalid pods file:\n  " + string.Join("\n  ", errors));
        }
        return pods;
    }
}
