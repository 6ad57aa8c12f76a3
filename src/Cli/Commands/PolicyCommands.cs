using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Policy;

namespace Mesh.Cli.Commands;

internal static class PolicyCommands
{
    public const int DenyExitCode = 3;

    public static Command Create()
    {
        var lintDir = new Argument<DirectoryInfo>("dir") { Description = "Directory of policy YAML files" };
        var lint = new Command("lint", "Check every policy file; print each error as file:line:col: message. Exit 1 if any.") { lintDir };
        lint.SetAction(parse =>
        {
            var result = PolicyLoader.LoadDirectory(parse.GetValue(lintDir)!.FullName);
            foreach (var error in result.Errors)
            {
                Console.Out.WriteLine(error.ToString());
            }
            if (!result.Ok)
            {
                Console.Error.WriteLine($"mesh: {result.Errors.Count} error(s) in policies");
                return CliErrors.Failure;
            }
            var (peer, request) = (result.PeerAuthentications!.Count, result.RequestAuthentications!.Count);
            Console.Out.WriteLine(peer + request == 0
                ? $"ok: {result.Policies!.Count} policies"
                : $"ok: {result.Policies!.Count} policies, {peer} PeerAuthentications, {request} RequestAuthentications");
            return 0;
        });

        var policiesDir = new Option<DirectoryInfo>("--policies") { Description = "Directory of policy YAML files", Required = true };
        var requestFile = new Option<string>("--request") { Description = "Request JSON file with Istio attribute names, or - for stdin", Required = true };
        var eval = new Command("eval", "Decide one request against the policies. Exit 0 for ALLOW, 3 for DENY.") { policiesDir, requestFile };
        eval.SetAction(parse =>
        {
            var result = PolicyLoader.LoadDirectory(parse.GetValue(policiesDir)!.FullName);
            if (!result.Ok)
            {
                return CliErrors.Fail($"policies are invalid; run 'mesh policy lint' for all errors. First: {result.Errors[0]}");
            }
            var path = parse.GetValue(requestFile)!;
            AuthzRequest request;
            try
            {
                var json = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
                request = EvalRequest.Parse(json);
            }
            catch (Exception e) when (e is IOException or JsonException or FormatException or UnauthorizedAccessException)
            {
                return CliErrors.Fail($"cannot read request {path}: {e.Message}");
            }
            var decision = result.Policies!.Evaluate(request);
            var output = new JsonObject
            {
                ["decision"] = decision.Allowed ? "ALLOW" : "DENY",
                ["policy"] = decision.Policy,
                ["rule"] = decision.Rule,
                ["reason"] = decision.Reason,
            };
            // Always present, so scripts need not test for the key: policies that matched but do not enforce.
            output["dry_run"] = Matches(decision.DryRunMatches);
            output["audit"] = Matches(decision.AuditMatches);
            Console.Out.WriteLine(output.ToJsonString());
            return decision.Allowed ? 0 : DenyExitCode;
        });

        return new Command("policy", "Work with AuthorizationPolicy, PeerAuthentication and RequestAuthentication files")
        {
            lint, eval, PolicyToolCommands.Explain(), PolicyToolCommands.Test(), PolicyReplayCommand.Create(),
        };
    }

    private static JsonArray Matches(IReadOnlyList<PolicyMatch> matches)
    {
        var array = new JsonArray();
        foreach (var m in matches)
        {
            array.Add((JsonNode)new JsonObject { ["policy"] = m.Policy, ["rule"] = m.Rule, ["action"] = m.Action.ToString().ToUpperInvariant() });
        }
        return array;
    }
}
