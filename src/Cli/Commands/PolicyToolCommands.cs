using System.CommandLine;
using System.Text.Json;
using Mesh.Policy;
using Mesh.Policy.Testing;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh policy explain</c> and <c>mesh policy test</c>: what security teams use before a policy ships.</summary>
internal static class PolicyToolCommands
{
    public static Command Explain()
    {
        var policiesDir = new Option<DirectoryInfo>("--policies") { Description = "Directory of policy YAML files", Required = true };
        var requestFile = new Option<string>("--request") { Description = "Request JSON file with Istio attribute names, or - for stdin", Required = true };
        var explain = new Command("explain", "Decide one request and show every policy and rule considered: which field matched or failed, and why. Exit 0 ALLOW, 3 DENY.")
        {
            policiesDir, requestFile,
        };
        explain.SetAction(parse =>
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
                request = EvalRequest.Parse(path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or JsonException or FormatException or UnauthorizedAccessException)
            {
                return CliErrors.Fail($"cannot read request {path}: {e.Message}");
            }
            var explanation = result.Policies!.Explain(request);
            Console.Out.Write(explanation.ToString());
            if (explanation.Policies.Count == 0)
            {
                Console.Out.WriteLine($"no policies in namespace {request.DestinationNamespace} or the root namespace");
            }
            return explanation.Decision.Allowed ? 0 : PolicyCommands.DenyExitCode;
        });
        return explain;
    }

    public static Command Test()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Directory of policy YAML files; its tests/ subdirectory holds the test files" };
        var testsDir = new Option<DirectoryInfo?>("--tests") { Description = "Directory of test files (default: DIR/tests)" };
        var test = new Command("test", "Run policy unit tests (request -> expected decision) and report the rules no test exercises. Exit 1 if any test fails.")
        {
            dir, testsDir,
        };
        test.SetAction(parse =>
        {
            var policiesDir = parse.GetValue(dir)!.FullName;
            var result = PolicyLoader.LoadDirectory(policiesDir);
            if (!result.Ok)
            {
                foreach (var error in result.Errors)
                {
                    Console.Out.WriteLine(error.ToString());
                }
                return CliErrors.Fail($"{result.Errors.Count} error(s) in policies");
            }
            var (cases, errors) = PolicyTestFiles.Load(parse.GetValue(testsDir)?.FullName ?? Path.Combine(policiesDir, "tests"));
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    Console.Out.WriteLine(error);
                }
                return CliErrors.Fail($"{errors.Count} error(s) in test files");
            }
            var report = PolicyTestRunner.Run(result.Policies!, cases);
            foreach (var r in report.Results)
            {
                Console.Out.WriteLine(r.Passed ? $"PASS {r.Case.Name}" : $"FAIL {r.Case.Name} ({r.Case.Location}): {r.Failure}");
            }
            Console.Out.WriteLine($"{report.Passed} passed, {report.Failed} failed");
            if (report.Unexercised.Count > 0)
            {
                Console.Out.WriteLine($"rules no test exercises ({report.Unexercised.Count}):");
                foreach (var (policy, rule) in report.Unexercised)
                {
                    Console.Out.WriteLine($"  {policy} rule {rule}");
                }
            }
            else
            {
                Console.Out.WriteLine("every rule is exercised by at least one test");
            }
            return report.Failed == 0 ? 0 : CliErrors.Failure;
        });
        return test;
    }
}
