using System.Globalization;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench;

/// <summary>What to run: repetitions, seconds per test, which scenarios, whether this is the CI smoke run.</summary>
internal sealed record BenchOptions(int Reps, int DurationSeconds, IReadOnlyList<string> Scenarios, bool Smoke, string? RepoRoot, bool CheckOnly = false)
{
    public const int DefaultReps = 3;
    public const int DefaultDurationSeconds = 10;
    public const int SmokeDurationSeconds = 1;

    public const string Usage = """
        usage: bench/run [--reps N] [--duration SECONDS] [--scenarios a,b,...] [--smoke]

          --reps N             repeat the whole scenario list N times, interleaved (default 3)
          --duration SECONDS   length of each load test (default 10)
          --scenarios LIST     comma-separated subset of: direct, haproxy-tcp, haproxy-http, nginx-stream, mesh-tcp, mesh-http
                               (default: all, in that order)
          --smoke              1 rep, 1 s per test, peers not tuned: checks the harness end to end (CI)
                               (--reps/--duration given as well still win)

        Results: bench/results/<UTC timestamp>.md and .json, copied to bench/results/latest.md and .json.
        Exit status: 0 every scenario ran without errors; 2 results written but some scenario or test failed
        or saw errors (listed under "Problems"); 1 the harness could not run; 130 interrupted.
        """;

    /// <summary>
    /// Warm-up load before the measured tests, the same for every scenario. .NET's tiered JIT needs several seconds
    /// of load before the HTTP path runs fully optimized code (measured: ~3.5k req/s in the first 3 s, ~12k after
    /// 9 s), and the benchmark is about a node agent's steady state, so 10 s. wrk takes whole seconds.
    /// </summary>
    public int WarmupSeconds => Smoke ? 1 : 10;

    /// <summary>Length of each peer-tuning trial; tuning is skipped in a smoke run.</summary>
    public int TuneSeconds => Smoke ? 0 : Math.Min(3, DurationSeconds);

    public sealed record ParseResult(BenchOptions? Options, IReadOnlyList<string> Errors, bool HelpRequested);

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        int? reps = null, duration = null;
        IReadOnlyList<string>? scenarios = null;
        var smoke = false;
        string? repo = null;
        var checkOnly = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Count)
                {
                    return args[++i];
                }
                errors.Add($"{arg} needs a value");
                return null;
            }
            switch (arg)
            {
                case "-h" or "--help":
                    return new ParseResult(null, [], HelpRequested: true);
                case "--smoke":
                    smoke = true;
                    break;
                case "--reps":
                    reps = Integer(arg, Value(), 1, 20, errors);
                    break;
                case "--duration":
                    duration = Integer(arg, Value(), 1, 300, errors);
                    break;
                case "--scenarios":
                    scenarios = ScenarioList(Value(), errors);
                    break;
                case "--repo":
                    repo = Value();
                    break;
                case "--check-options":
                    // bench/run's first call: validate before the slow publish.
                    checkOnly = true;
                    break;
                default:
                    errors.Add($"unknown argument '{arg}'; see --help");
                    break;
            }
        }
        if (errors.Count > 0)
        {
            return new ParseResult(null, errors, HelpRequested: false);
        }
        var options = new BenchOptions(
            reps ?? (smoke ? 1 : DefaultReps),
            duration ?? (smoke ? SmokeDurationSeconds : DefaultDurationSeconds),
            scenarios ?? ScenarioNames.All,
            smoke,
            repo,
            checkOnly);
        return new ParseResult(options, [], HelpRequested: false);
    }

    private static int? Integer(string name, string? text, int min, int max, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"{name} '{text}': expected a whole number from {min} to {max}");
            return null;
        }
        return value;
    }

    private static List<string>? ScenarioList(string? text, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var unknown in names.Where(n => !ScenarioNames.All.Contains(n)))
        {
            errors.Add($"--scenarios: unknown scenario '{unknown}'; known: {string.Join(", ", ScenarioNames.All)}");
        }
        foreach (var duplicate in names.GroupBy(n => n).Where(g => g.Count() > 1))
        {
            errors.Add($"--scenarios: '{duplicate.Key}' is listed twice");
        }
        if (names.Count == 0)
        {
            errors.Add("--scenarios: give at least one scenario");
        }
        return names;
    }
}
