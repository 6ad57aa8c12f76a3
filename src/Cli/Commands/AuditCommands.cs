using System.CommandLine;
using Mesh.Policy;

namespace Mesh.Cli.Commands;

/// <summary>
/// `mesh audit verify FILE...`: checks the decision log's hash chain across rotated segments and restarts, and names
/// the file and line where it breaks. `mesh audit policy-digest DIR`: the digest decision records carry for a policy set.
/// </summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files")
        {
            Description = "Decision log files in the order they were written: rotated segments oldest first, the active file last (decisions.log.* decisions.log)",
            Arity = ArgumentArity.OneOrMore,
        };
        var key = new Option<FileInfo?>("--key") { Description = "HMAC key file the agent links the chain with (decisionLog.hmacKeyFile)" };
        var partial = new Option<bool>("--partial") { Description = "Accept files that begin in the middle of a chain (older segments deleted by decisionLog.keep)" };
        var anchor = new Option<string[]>("--anchor")
        {
            Description = "A head printed by an earlier verify and kept off the node, as SEQ:LINK; the record with that seq must have that link (detects truncation and full rewrites). Repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var verify = new Command("verify", "Verify the decision log's hash chain. Prints where it breaks and what is wrong (exit 1), or the record count, chains and head (exit 0).")
        {
            files, key, partial, anchor,
        };
        verify.SetAction(parse =>
        {
            byte[]? keyBytes = null;
            if (parse.GetValue(key) is { } keyFile)
            {
                try
                {
                    keyBytes = File.ReadAllBytes(keyFile.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Fail($"cannot read key {keyFile.FullName}: {e.Message}");
                }
            }

            var anchors = new List<ChainAnchor>();
            foreach (var text in parse.GetValue(anchor) ?? [])
            {
                if (!ChainAnchor.TryParse(text, out var parsed))
                {
                    return CliErrors.Fail($"--anchor '{text}' must be SEQ:LINK as printed after 'head:', e.g. 1234:<64 hex digits>");
                }

                anchors.Add(parsed!);
            }

            var paths = parse.GetValue(files)!.Select(f => f.FullName).ToList();
            var report = new DecisionLogVerifier(keyBytes, parse.GetValue(partial), anchors).Verify(paths);
            foreach (var note in report.Notes)
            {
                Console.Out.WriteLine($"note: {note}");
            }

            foreach (var problem in report.Problems)
            {
                Console.Out.WriteLine(problem.ToString());
            }

            if (!report.Ok)
            {
                return CliErrors.Fail($"decision log chain broken: {report.Problems.Count} problem(s); the first at {report.Problems[0].File}:{report.Problems[0].Line}");
            }

            Console.Out.WriteLine($"ok: {report.Records} records in {paths.Count} file(s); chain {string.Join(", ", report.Chains)}");
            if (report.HeadSeq is { } seq)
            {
                // The head is what to anchor elsewhere: a truncation at a line boundary is only visible against it.
                Console.Out.WriteLine(report.HeadLink is { } link ? $"head: {seq}:{link}" : $"head: {seq} (link not checked: no key)");
            }

            return 0;
        });

        var dir = new Argument<DirectoryInfo>("dir") { Description = "Directory of policy YAML files" };
        var digest = new Command("policy-digest", "Print the policy_set digest that decision records carry for the policies in DIR") { dir };
        digest.SetAction(parse =>
        {
            var result = PolicyLoader.LoadDirectory(parse.GetValue(dir)!.FullName);
            if (!result.Ok)
            {
                return CliErrors.Fail($"policies are invalid; run 'mesh policy lint' for all errors. First: {result.Errors[0]}");
            }

            Console.Out.WriteLine(result.Policies!.Digest);
            return 0;
        });

        return new Command("audit", "Check the authorization decision log") { verify, digest };
    }
}
