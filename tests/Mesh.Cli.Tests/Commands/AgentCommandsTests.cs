using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

public sealed class AgentCommandsTests
{
    [Fact]
    public async Task Run_with_a_config_that_does_not_exist_fails_with_one_line_on_stderr()
    {
        var result = await MeshProcess.RunAsync("agent", "run", "--config", "/nonexistent.yaml");

        Assert.True(result.ExitCode != 0, result.ToString());
        var line = Assert.Single(result.StdErrLines);
        Assert.StartsWith("mesh: ", line, StringComparison.Ordinal);
        Assert.Contains("/nonexistent.yaml", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_an_invalid_config_names_the_file_and_lists_every_problem()
    {
        using var dir = new TempDir();
        var config = dir.Write("agent.yaml", """
            trustDomain: cluster.local
            ca:
              address: http://127.0.0.1:8443
              rootCert: root.pem
              tokenFile: missing.token
            policies: ./policies
            decisionLog: ./decisions.log
            inbound:
              listen: localhost:15006
            """);

        var result = await MeshProcess.RunAsync("agent", "run", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mesh: {config}: invalid agent config:", result.StdErrLines[0]);
        var problems = result.StdErrLines.Skip(1).Select(l => l.Trim()).ToList();
        Assert.Contains(problems, p => p.StartsWith("node: required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ca.address: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ca.tokenFile: cannot read missing.token", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("inbound.listen: ", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }
}
