using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Results;

/// <summary>Median and range of a metric over the repetitions that produced it.</summary>
internal sealed record Stat(double? Median, double? Min, double? Max, int Count, int Runs)
{
    public static Stat Of(IReadOnlyCollection<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToArray();
        if (present.Length == 0)
        {
            return new Stat(null, null, null, 0, values.Count);
        }
        var mid = present.Length / 2;
        var median = present.Length % 2 == 1 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
        return new Stat(median, present[0], present[^1], present.Length, values.Count);
    }
}

internal sealed record ScenarioSummary(string Scenario, IReadOnlyDictionary<string, Stat> Metrics);

internal sealed record ProxySummary(string Scenario, string Role, Stat CpuSecondsPer1k, Stat IdleRssMiB, Stat PeakRssMiB);

/// <summary>mesh / peer for one metric: the ratio is taken within each repetition, then the median of the ratios.</summary>
internal sealed record RatioSummary(string Mesh, string Peer, string Metric, bool HigherIsBetter, Stat Ratio);

internal sealed record Summary(IReadOnlyList<ScenarioSummary> Scenarios, IReadOnlyList<ProxySummary> Proxies, IReadOnlyList<RatioSummary> Ratios)
{
    public static Summary Of(IReadOnlyList<ScenarioRun> runs, IReadOnlyList<string> scenarioOrder)
    {
        var byScenario = scenarioOrder.ToDictionary(s => s, s => runs.Where(r => r.Scenario == s).OrderBy(r => r.Rep).ToList());

        var scenarios = scenarioOrder.Select(s => new ScenarioSummary(s,
            Metrics.All.ToDictionary(m => m.Key, m => Stat.Of(byScenario[s].Where(m.AppliesTo).Select(m.Value).ToList())))).ToList();

        var proxies = new List<ProxySummary>();
        foreach (var s in scenarioOrder)
        {
            var roles = byScenario[s].SelectMany(r => r.Proxies.Select(p => p.Role)).Distinct();
            foreach (var role in roles)
            {
                ProxyResult? Of(ScenarioRun r) => r.Proxies.FirstOrDefault(p => p.Role == role);
                proxies.Add(new ProxySummary(s, role,
                    Stat.Of(byScenario[s].Select(r => r.Test(TestNames.FixedRate) is { Clean: true } ? Of(r)?.CpuSecondsPer1kRequests : null).ToList()),
                    Stat.Of(byScenario[s].Select(r => Of(r)?.IdleRssMiB).ToList()),
                    Stat.Of(byScenario[s].Select(r => r.Tests.Count == 4 ? Of(r)?.PeakRssMiB : null).ToList())));
            }
        }

        var ratios = new List<RatioSummary>();
        foreach (var mesh in ScenarioNames.Mesh.Where(scenarioOrder.Contains))
        {
            foreach (var peer in ScenarioNames.Peers.Where(scenarioOrder.Contains))
            {
                foreach (var metric in Metrics.All)
                {
                    var perRep = byScenario[mesh].Select(m =>
                    {
                        var p = byScenario[peer].FirstOrDefault(r => r.Rep == m.Rep);
                        return p is null || metric.Value(m) is not { } mv || metric.Value(p) is not { } pv || pv == 0 ? (double?)null : mv / pv;
                    }).ToList();
                    ratios.Add(new RatioSummary(mesh, peer, metric.Key, metric.HigherIsBetter, Stat.Of(perRep)));
                }
            }
        }
        return new Summary(scenarios, proxies, ratios);
    }
}
