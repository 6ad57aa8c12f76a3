using Mesh.Bench.Processes;

namespace Mesh.Bench.Orchestration;

/// <summary>Where things are: the repository, the published `mesh`, scratch space and results.</summary>
internal sealed record BenchPaths(string RepoRoot)
{
    public string BenchDir => Path.Combine(RepoRoot, "bench");
    public string BuildDir => Path.Combine(BenchDir, ".build");
    public string MeshBinary => Path.Combine(BuildDir, "mesh", "mesh");
    public string PublishLog => Path.Combine(BuildDir, "publish.log");

    /// <summary>Configs, certificates and logs of the current run; emptied at the start of each run, kept after it.</summary>
    public string WorkDir => Path.Combine(BuildDir, "run");

    /// <summary>bench/results, unless MESH_BENCH_RESULTS names another directory (CI's smoke run keeps its output out of the tree).</summary>
    public string ResultsDir => Environment.GetEnvironmentVariable("MESH_BENCH_RESULTS") is { Length: > 0 } dir ? dir : Path.Combine(BenchDir, "results");

    /// <summary>The repository is the first directory upwards holding Mesh.Security.sln.</summary>
    public static BenchPaths Find(string? explicitRoot)
    {
        if (explicitRoot is not null)
        {
            return File.Exists(Path.Combine(explicitRoot, "Mesh.Security.sln"))
                ? new BenchPaths(Path.GetFullPath(explicitRoot))
                : throw new BenchException($"--repo {explicitRoot}: no Mesh.Security.sln there");
        }
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Mesh.Security.sln")))
                {
                    return new BenchPaths(dir.FullName);
                }
            }
        }
        throw new BenchException("cannot find the repository (Mesh.Security.sln); run bench/run or pass --repo");
    }
}
