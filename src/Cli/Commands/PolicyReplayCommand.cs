using System.CommandLine;
using System.Text.Json;
using Mesh.Agent.Config;
using Mesh.Policy;
using Mesh.Policy.Testing;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh policy replay</c>: re-decide a recorded decision log under candidate policies and list what would change.</summary>
internal static class PolicyReplayCommand
{
    /// <summary>Exit code when at least one decision would change (0: none would).</summary>
    public const int ChangesExitCode = 4;

    public static Command Create()
    {
        var logs = new Option<FileInfo[]>("--log") { Description = "Decision log file(s), oldest first (e.g. decisions.log.* decisions.log)", Required = true, AllowMultipleArgumentsPerToken = true };
        var policiesDir = new Option<DirectoryInfo>("--policies") { Description = "Directory of the candidate policy files", Required = true };
        var agentConfig = new Option<FileInfo?>("--agent-config") { Description = "The agent's config, for workload labels when the log does not record them" };
        var replay = new Command("replay", $"Re-decide every recorded request under candidate policies; list each decision that would change. Exit 0 if none, {ChangesExitCode} if some.")
        {
            logs, policiesDir, agentConfig,
        };
        replay.SetAction(parse =>
        {
            var loaded = PolicyLoader.LoadDirectory(parse.GetValue(policiesDir)!.FullName);
            if (!loaded.Ok)
            {
                return CliErrors.Fail($"candidate policies are invalid; run 'mesh policy lint' for all errors. First: {loaded.Errors[0]}");
            }
            Func<string, IReadOnlyDictionary<string, string>?>? labelsOf = null;
            if (parse.GetValue(agentConfig) is { } config)
            {
                try
                {
                    var workloads = AgentConfigLoader.Load(config.FullName).Workloads.ToDictionary(w => w.Key, w => w.Labels, StringComparer.Ordinal);
                    labelsOf = key => workloads.GetValueOrDefault(key);
                }
                catch (ConfigException e)
                {
                    return CliErrors.Fail(e.Message);
                }
            }
            var recorded = new List<RecordedDecision>();
            var events = 0;
            foreach (var file in parse.GetValue(logs)!)
            {
                var lineNo = 0;
                try
                {
                    foreach (var line in File.ReadLines(file.FullName))
                    {
                        lineNo++;
                        if (line.Length == 0)
                        {
                            continue;
                        }
                        if (RecordedDecision.Parse(line, labelsOf) is { } decision)
                        {
                            recorded.Add(decision);
                        }
                        else
                        {
                            events++;
                        }
                    }
                }
                catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
                {
                    return CliErrors.Fail($"{file.FullName}:{lineNo}: not a decision log line: {e.Message}");
                }
                catch (IOException e)
                {
                    return CliErrors.Fail($"cannot read {file.FullName}: {e.Message}");
                }
            }
            var withoutLabels = recorded.Count(r => !r.LabelsRecorded);
            if (withoutLabels > 0)
            {
                Console.Error.WriteLine($"mesh: warning: {withoutLabels} record(s) carry no workload labels; selectors are matched against none (give --agent-config)");
            }
            var changed = DecisionReplay.Run(loaded.Policies!, recorded);
            foreach (var c in changed)
            {
                var r = c.Recorded;
                var request = r.Request.Protocol == AuthzProtocol.Http ? $" {r.Request.Method} {r.Request.Path}" : " tcp";
                Console.Out.WriteLine($"CHANGED {r.Id} {r.Time}: {Name(r.Decision)} -> {Name(c.Now.Decision)}  "
                    + $"{r.Request.SourcePrincipal ?? "(plaintext)"} -> {r.Request.DestinationNamespace}:{r.Request.DestinationPort}{request}  "
                    + $"was: {r.Policy ?? "no policy"}; now: {c.Now.Reason}");
            }
            Console.Out.WriteLine($"{recorded.Count} decisions replayed ({events} chain events skipped), {changed.Count} would change");
            return changed.Count == 0 ? 0 : ChangesExitCode;
        });
        return replay;
    }

    private static string Name(DecisionKind kind) => kind == DecisionKind.Allow ? "ALLOW" : "DENY";
}
