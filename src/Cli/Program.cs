using System.CommandLine;
using Mesh.Cli.Commands;

namespace Mesh.Cli;

internal static class Program
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static async Task<int> Main(string[] args)
    {
        // Socket completions run on the event-loop threads instead of hopping to the thread pool: on a 2-core node
        // those hops were most of a proxy's CPU (PERF-NOTES). Read once, when the first socket is created, so it is
        // set here before anything else; DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 turns it off.
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
        var root = new RootCommand("Mesh.Security: a zero-trust mesh node agent with a built-in SPIFFE CA and Istio-compatible policy.")
        {
            CaCommands.Create(),
            CertCommands.Create(),
            AgentCommands.Create(),
            PolicyCommands.Create(),
            AuditCommands.Create(),
            RedirectCommands.Create(),
            DemoCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as every other failure: the reasons, and where to look.
            return CliErrors.Fail(string.Join("; ", parsed.Errors.Select(e => e.Message)) + " (see --help)");
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything a command did not turn into a reason itself still ends as one line and a non-zero exit.
            return CliErrors.Fail($"{e.GetType().Name}: {e.Message}");
        }
    }
}
