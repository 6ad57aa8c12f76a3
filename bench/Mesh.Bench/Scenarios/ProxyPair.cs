using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>The shared start sequence of the peer scenarios: write both configs, start server then client, wait end to end.</summary>
internal static class ProxyPair
{
    public static async Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, IReadOnlyDictionary<string, string> configs,
        Func<string, ChildProcess> startSide, CancellationToken ct)
    {
        foreach (var (name, text) in configs)
        {
            // HAProxy rejects a config whose last line has no newline.
            await File.WriteAllTextAsync(Path.Combine(context.Dir, name), text + "\n", ct).ConfigureAwait(false);
        }
        var started = new List<ChildProcess>();
        try
        {
            started.Add(startSide("server"));
            started.Add(startSide("client"));
            await Readiness.WaitForFileServedAsync(Ports.ClientProxy, started, ct).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(started.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }
        return new RunningScenario(Ports.ClientProxy,
            [new ProxyProcess("client", started[1]), new ProxyProcess("server", started[0])],
            started,
            new ScenarioSetup(variant.Label, started.Select(p => p.CommandLine).ToList(), configs));
    }
}
