using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// `mesh-tcp` and `mesh-http`: `mesh ca serve` and two `mesh agent run` from the published binary, tokens from
/// `mesh ca token`. Ready when both agents' /ready answer 200 and a request passes end to end. The CA is not
/// measured: it is idle once the certificates are issued.
/// </summary>
internal sealed class MeshScenario(string protocol) : IScenario
{
    public string Name => protocol == "tcp" ? ScenarioNames.MeshTcp : ScenarioNames.MeshHttp;

    public IReadOnlyList<Variant> Candidates { get; } = [Variant.AsBuilt];

    public async Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, CancellationToken ct)
    {
        if (!File.Exists(context.MeshBinary))
        {
            throw new BenchException($"{context.MeshBinary} is missing: `dotnet publish src/Cli` failed or was not run (see bench/.build/publish.log)");
        }
        var configs = MeshConfigs.All(protocol);
        Directory.CreateDirectory(Path.Combine(context.Dir, "policies"));
        foreach (var (name, text) in configs)
        {
            await File.WriteAllTextAsync(Path.Combine(context.Dir, name), text.EndsWith('\n') ? text : text + "\n", ct).ConfigureAwait(false);
        }
        // One-time join tokens, made the way an operator makes them; the CA config must exist first.
        foreach (var node in new[] { "node-a", "node-b" })
        {
            var token = await TokenAsync(context, node, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(context.Dir, node + ".token"), token + "\n", ct).ConfigureAwait(false);
        }

        var started = new List<ChildProcess>();
        try
        {
            var ca = Start(context, "mesh ca", "mesh-ca.log", "ca", "serve", "--config", "ca.yaml");
            started.Add(ca);
            await Readiness.WaitForFileAsync(Path.Combine(context.Dir, "ca-state", "trust-bundle.pem"), started, ct).ConfigureAwait(false);
            var server = Start(context, "mesh agent (server)", "agent-b.log", "agent", "run", "--config", "agent-b.yaml");
            started.Add(server);
            var client = Start(context, "mesh agent (client)", "agent-a.log", "agent", "run", "--config", "agent-a.yaml");
            started.Add(client);
            await Readiness.WaitForHttpAsync(Ports.MeshServerAdmin, "/ready", null, started, ct).ConfigureAwait(false);
            await Readiness.WaitForHttpAsync(Ports.MeshClientAdmin, "/ready", null, started, ct).ConfigureAwait(false);
            await Readiness.WaitForFileServedAsync(Ports.ClientProxy, started, ct).ConfigureAwait(false);
            // Public parts of the setup only: the token files hold secrets (fresh each run, but still).
            var recorded = configs.Where(c => !c.Key.EndsWith(".token", StringComparison.Ordinal)).ToDictionary();
            return new RunningScenario(Ports.ClientProxy,
                [new ProxyProcess("client", client), new ProxyProcess("server", server)],
                started,
                new ScenarioSetup(variant.Label, started.Select(p => p.CommandLine).ToList(), recorded));
        }
        catch
        {
            await Task.WhenAll(started.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }
    }

    private static ChildProcess Start(ScenarioContext context, string name, string log, params string[] args) =>
        ChildProcess.Start(name, context.MeshBinary, args, Path.Combine(context.Dir, log), context.Dir);

    private static async Task<string> TokenAsync(ScenarioContext context, string node, CancellationToken ct)
    {
        var output = await Tool.RunCheckedAsync(context.MeshBinary, ["ca", "token", "--config", "ca.yaml", "--node", node], ct, context.Dir).ConfigureAwait(false);
        // `mesh ca token` prints only the token on stdout (what it is for goes to stderr).
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 1)
        {
            return lines[0];
        }
        throw new BenchException($"`mesh ca token` printed {lines.Length} lines, not one token: {output}");
    }
}
