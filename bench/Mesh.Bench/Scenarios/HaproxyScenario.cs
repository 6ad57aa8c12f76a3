using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>`haproxy-tcp` and `haproxy-http`: two HAProxy processes (foreground, no master-worker) with mTLS between.</summary>
internal sealed class HaproxyScenario(string mode) : IScenario
{
    public string Name => mode == HaproxyConfigs.Tcp ? ScenarioNames.HaproxyTcp : ScenarioNames.HaproxyHttp;

    public IReadOnlyList<Variant> Candidates { get; } = mode == HaproxyConfigs.Tcp
        ? [new Variant("nbthread 1", 1), new Variant("nbthread 2", 2)]
        : [new Variant("nbthread 1, h2 between peers", 1, HaproxyConfigs.H2), new Variant("nbthread 1, HTTP/1.1 between peers", 1, HaproxyConfigs.H1),
           new Variant("nbthread 2, h2 between peers", 2, HaproxyConfigs.H2), new Variant("nbthread 2, HTTP/1.1 between peers", 2, HaproxyConfigs.H1)];

    public async Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, CancellationToken ct)
    {
        var configs = new Dictionary<string, string>
        {
            ["haproxy-server.cfg"] = HaproxyConfigs.Server(mode, variant, context.Pki),
            ["haproxy-client.cfg"] = HaproxyConfigs.Client(mode, variant, context.Pki),
        };
        return await ProxyPair.StartAsync(context, variant, configs, side => Start(context, side), ct).ConfigureAwait(false);
    }

    private static ChildProcess Start(ScenarioContext context, string side) =>
        ChildProcess.Start($"haproxy ({side})", "haproxy", ["-db", "-f", Path.Combine(context.Dir, $"haproxy-{side}.cfg")],
            Path.Combine(context.Dir, $"haproxy-{side}.log"), context.Dir);
}
