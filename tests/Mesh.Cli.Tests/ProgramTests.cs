using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests;

/// <summary>The command tree as a user meets it: help for every level, and what happens on a wrong command line.</summary>
public sealed class ProgramTests
{
    public static TheoryData<string, string[]> HelpCases => new()
    {
        // command line before --help, the subcommands (or options) its help must list
        { "", ["ca", "agent", "policy", "demo"] },
        { "ca", ["serve", "token"] },
        { "agent", ["run"] },
        { "policy", ["lint", "eval"] },
        { "ca serve", ["--config"] },
        { "agent run", ["--config"] },
        { "policy eval", ["--policies", "--request"] },
        { "demo", ["--keep"] },
    };

    [Theory]
    [MemberData(nameof(HelpCases))]
    public async Task Help_exits_zero_and_lists_the_subcommands(string command, string[] expected)
    {
        var result = await MeshProcess.RunAsync([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"mesh {command}".TrimEnd(), result.StdOut, StringComparison.Ordinal);
        foreach (var name in expected)
        {
            // Listed as an entry of the Commands:/Options: section, not merely mentioned in some description.
            Assert.True(result.StdOutLines.Any(l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal)),
                $"'{name}' is not listed in:\n{result.StdOut}");
        }
    }

    public static TheoryData<string> BadCommandLines => new()
    {
        "frobnicate",
        "agent run",
        "policy eval --policies /tmp",
        "policy lint",
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public async Task Wrong_command_line_exits_non_zero_with_the_reason_on_stderr(string command)
    {
        var result = await MeshProcess.RunAsync(command.Split(' '));

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.NotEmpty(result.StdErr.Trim());
    }
}
