using Mesh.Bench.Results;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Orchestration;

/// <summary>
/// Gives each peer its best setting on this machine: every candidate (worker processes or threads; for HAProxy's
/// HTTP mode also h2 vs HTTP/1.1 between the peers) gets one short 32-connection trial, once per run, and the
/// fastest clean one is used in every repetition. A smoke run skips this and uses the first candidate.
/// </summary>
internal static class PeerTuner
{
    public static async Task<(Variant Chosen, TuningResult Result)> ChooseAsync(IScenario scenario, ScenarioRunner runner, BenchOptions options, TextWriter progress, CancellationToken ct)
    {
        if (scenario.Candidates.Count == 1)
        {
            var only = scenario.Candidates[0];
            return (only, new TuningResult(scenario.Name, only.Label, "only setting", []));
        }
        if (options.TuneSeconds == 0)
        {
            var first = scenario.Candidates[0];
            return (first, new TuningResult(scenario.Name, first.Label, "default (not tuned in --smoke)", []));
        }
        var trials = new List<(Variant Variant, TrialResult Result)>();
        foreach (var candidate in scenario.Candidates)
        {
            var trial = await runner.TrialAsync(scenario, candidate, ct).ConfigureAwait(false);
            progress.WriteLine($"[tuning] {scenario.Name} ({candidate.Label}): {(trial.RequestsPerSecond is { } r ? $"{r:N0} req/s" : $"failed: {trial.Error}")}");
            trials.Add((candidate, trial));
        }
        var best = trials.Where(t => t.Result.RequestsPerSecond is not null).OrderByDescending(t => t.Result.RequestsPerSecond).FirstOrDefault();
        var chosen = best.Variant ?? scenario.Candidates[0];
        var reason = best.Variant is null
            ? "default (every trial failed)"
            : $"fastest in a {options.TuneSeconds} s trial";
        return (chosen, new TuningResult(scenario.Name, chosen.Label, reason, trials.Select(t => t.Result).ToList()));
    }
}
