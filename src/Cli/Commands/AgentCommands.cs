using System.CommandLine;
using Mesh.Agent;
using Mesh.Agent.Config;

namespace Mesh.Cli.Commands;

internal static class AgentCommands
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Agent config file (YAML)", Required = true };
        var run = new Command("run", "Run the node agent until SIGINT or SIGTERM") { config };
        run.SetAction(async (parse, ct) =>
        {
            AgentHost agent;
            try
            {
                agent = await AgentHost.StartAsync(AgentConfigLoader.Load(parse.GetValue(config)!.FullName), ConsoleLogging.Configure, ct: ct).ConfigureAwait(false);
            }
            catch (ConfigException e)
            {
                return CliErrors.Fail(e.Message);
            }
            catch (IOException e)
            {
                return CliErrors.Fail($"cannot start the agent: {e.Message}");
            }
            await using (agent.ConfigureAwait(false))
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT/SIGTERM: stop cleanly.
                }
            }
            return 0;
        });
        return new Command("agent", "The node agent: intercepts, secures and authorizes workload traffic") { run };
    }
}
