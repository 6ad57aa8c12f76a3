using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>`nginx-stream`: two nginx stream proxies (master + workers each) with mTLS between.</summary>
internal sealed class NginxStreamScenario : IScenario
{
    public string Name => ScenarioNames.NginxStream;

    public IReadOnlyList<Variant> Candidates { get; } = [new Variant("worker_processes 1", 1), new Variant("worker_processes 2", 2)];

    public async Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, CancellationToken ct)
    {
        var configs = new Dictionary<string, string>
        {
            ["nginx-server.conf"] = NginxStreamConfigs.Server(context.Dir, variant, context.Pki),
            ["nginx-client.conf"] = NginxStreamConfigs.Client(context.Dir, variant, context.Pki),
        };
        return await ProxyPair.StartAsync(context, variant, configs, side => Start(context, side), ct).ConfigureAwait(false);
    }

    private static ChildProcess Start(ScenarioContext context, string side) =>
        ChildProcess.Start($"nginx stream ({side})", "nginx",
            ["-p", context.Dir, "-e", Path.Combine(context.Dir, $"nginx-{side}.error.log"), "-c", Path.Combine(context.Dir, $"nginx-{side}.conf")],
            Path.Combine(context.Dir, $"nginx-{side}.log"), context.Dir);
}
