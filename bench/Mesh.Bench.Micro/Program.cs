using BenchmarkDotNet.Running;
using Mesh.Bench.Micro;
using Mesh.Bench.Micro.Issuance;

// dotnet run -c Release --project bench/Mesh.Bench.Micro -- --filter '*'
// Without --job the suite runs BenchJobs.Quick; with --job (e.g. --job short) BenchmarkDotNet's own job wins.
// `issuance-loop [--seconds N] [--cpu N] [--out FILE]` measures issuances/s on one core instead (bench/issuance).
if (args.Length > 0 && args[0] == "issuance-loop")
{
    return IssuanceLoop.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(BenchJobs).Assembly).Run(args, BenchJobs.ConfigFor(args));
return 0;
