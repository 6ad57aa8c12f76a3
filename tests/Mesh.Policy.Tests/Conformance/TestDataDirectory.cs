namespace Mesh.Policy.Tests.Conformance;

/// <summary>Finds ../shared/testdata next to the repository: external data, present in CI and the dev workspace only.</summary>
internal static class TestDataDirectory
{
    public static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Security.sln")))
            {
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata"));
                return Directory.Exists(data) ? data : null;
            }
        }

        return null;
    }

    public static string Require()
    {
        var dir = Find();
        Skip.If(dir is null, "../shared/testdata not found: conformance data is only present in CI and the dev workspace");
        return dir!;
    }
}
