namespace Mesh.Agent.Tests.Authn;

/// <summary>Finds ../shared/testdata next to the repository (the dir holding Mesh.Security.sln); present in CI and the dev workspace only.</summary>
internal static class SharedTestData
{
    public static string Require(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Security.sln")))
            {
                var path = Path.GetFullPath(Path.Combine([dir.FullName, "..", "shared", "testdata", .. parts]));
                Skip.If(!File.Exists(path) && !Directory.Exists(path), $"{path} not found: conformance data is only present in CI and the dev workspace");
                return path;
            }
        }

        Skip.If(true, "../shared/testdata not found: the tests do not run from inside the repository");
        return "";
    }
}
