namespace Mesh.Cli.Tests.Support;

/// <summary>Files in the repository, found by walking up from the test assembly to the directory with Mesh.Security.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string DemoPolicies => Path.Combine(Root, "policies", "demo");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Security.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Mesh.Security.sln above {AppContext.BaseDirectory}");
    }
}
