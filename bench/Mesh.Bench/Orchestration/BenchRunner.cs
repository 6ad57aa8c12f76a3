using System.Diagnostics;
using System.Globalization;
using Mesh.Bench.Processes;
using Mesh.Bench.Results;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Orchestration;

/// <summary>
/// The whole run: machine info, certificates, peer tuning, then N repetitions of the scenario list, interleaved
/// (rep 1 runs every scenario, then rep 2, ...), so slow drift on the machine hits every scenario alike.
/// </summary>
internal static class BenchRunner
{
    public static async Task<RunReport> RunAsync(BenchOptions options, BenchPaths paths, IReadOnlyList<string> args, TextWriter progress, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var id = started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        if (Directory.Exists(paths.WorkDir))
        {
            Directory.Delete(paths.WorkDir, recursive: true);
        }
        Directory.CreateDirectory(paths.WorkDir);
        var machine = await MachineInfo.CollectAsync(paths.RepoRoot, ct).ConfigureAwait(false);
        progress.WriteLine($"Mesh.Security benchmark {id}: {options.Reps} rep(s) × {options.DurationSeconds} s, scenarios {string.Join(", ", options.Scenarios)}");
        progress.WriteLine($"{machine.CpuModel}, {machine.Cores} cores, kernel {machine.Kernel}; work files and logs in {paths.WorkDir}");

        var pki = await Pki.CreateAsync(Path.Combine(paths.WorkDir, "pki"), ct).ConfigureAwait(false);
        var www = Path.Combine(paths.WorkDir, "www");
        NginxBackend.WriteWwwRoot(www);
        var runner = new ScenarioRunner(options, paths.WorkDir, pki, paths.MeshBinary, www, progress);

        var scenarios = options.Scenarios.Select(ScenarioCatalog.Create).ToList();
        var variants = new Dictionary<string, Variant>();
        var tuning = new List<TuningResult>();
        foreach (var scenario in scenarios)
        {
            var (chosen, result) = await PeerTuner.ChooseAsync(scenario, runner, options, progress, ct).ConfigureAwait(false);
            variants[scenario.Name] = chosen;
            tuning.Add(result);
        }

        var runs = new List<ScenarioRun>();
        var setups = new Dictionary<string, ScenarioSetup>();
        for (var rep = 1; rep <= options.Reps; rep++)
        {
            foreach (var scenario in scenarios)
            {
                var (run, setup) = await runner.RunAsync(scenario, variants[scenario.Name], rep, ct).ConfigureAwait(false);
                runs.Add(run);
                if (setup is not null)
                {
                    setups.TryAdd(scenario.Name, setup);
                }
            }
        }

        var settings = new RunSettings(options.Reps, options.DurationSeconds, options.WarmupSeconds, options.TuneSeconds, options.Smoke, options.Scenarios,
            ScenarioRunner.FixedRate, ScenarioRunner.FixedRateConnections, NginxBackend.Workers, Ports.All);
        return new RunReport(id, started, DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 1), WallSeconds(),
            CommandLine(args),
            settings, machine, tuning, setups, runs, Summary.Of(runs, options.Scenarios));
    }

    /// <summary>The command as the user typed it: bench/run adds --repo itself.</summary>
    private static string CommandLine(IReadOnlyList<string> args)
    {
        var shown = new List<string> { "bench/run" };
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--repo")
            {
                i++;
                continue;
            }
            shown.Add(args[i]);
        }
        return string.Join(' ', shown);
    }

    /// <summary>bench/run exports its start time, so the report can include the build in the total.</summary>
    private static double? WallSeconds()
    {
        var text = Environment.GetEnvironmentVariable("MESH_BENCH_STARTED_UNIX");
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var startedUnix)
            ? Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - startedUnix, 1)
            : null;
    }
}
