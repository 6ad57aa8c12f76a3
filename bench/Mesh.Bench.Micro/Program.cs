using BenchmarkDotNet.Running;
using Mesh.Bench.Micro;

// dotnet run -c Release --project bench/Mesh.Bench.Micro -- --filter '*'
// Without --job the suite runs BenchJobs.Quick; with --job (e.g. --job short) BenchmarkDotNet's own job wins.
BenchmarkSwitcher.FromAssembly(typeof(BenchJobs).Assembly).Run(args, BenchJobs.ConfigFor(args));
