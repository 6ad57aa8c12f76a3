using System.Globalization;

namespace Mesh.Agent.Config;

/// <summary>Validates the Workload API's config sections, adding every problem to the loader's list.</summary>
internal static class WorkloadApiConfig
{
    public static WorkloadApiOptions? ReadEndpoint(string configPath, AgentConfigFile.WorkloadApiSection? section, List<string> errors)
    {
        if (section is null)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(section.Socket))
        {
            errors.Add("workloadApi.socket: required (the Unix socket path, e.g. /run/mesh/workload.sock)");
            return null;
        }
        return new WorkloadApiOptions(ConfigFiles.Resolve(configPath, section.Socket));
    }

    public static WorkloadAttestation? ReadAttest(AgentConfigFile.AttestSection? section, string at, List<string> errors)
    {
        if (section is null)
        {
            return null;
        }
        var before = errors.Count;
        int? uid = null;
        if (section.Uid is { } text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                uid = value;
            }
            else
            {
                errors.Add($"{at}.attest.uid: '{text}' is not a user id (a whole number, 0 or more)");
            }
        }
        if (section.Netns is { } netns && !Path.IsPathFullyQualified(netns))
        {
            errors.Add($"{at}.attest.netns: '{netns}' must be an absolute path to a network namespace file, e.g. /var/run/netns/pod-a");
        }
        if (section.Cgroup is { } cgroup && string.IsNullOrWhiteSpace(cgroup))
        {
            errors.Add($"{at}.attest.cgroup: must not be blank");
        }
        if (section.Uid is null && section.Netns is null && section.Cgroup is null)
        {
            // An empty selector set would match every process on the node.
            errors.Add($"{at}.attest: name at least one of uid, netns, cgroup");
        }
        return errors.Count == before ? new WorkloadAttestation(uid, section.Netns, section.Cgroup) : null;
    }
}
