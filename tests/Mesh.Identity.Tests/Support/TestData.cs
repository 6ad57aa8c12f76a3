namespace Mesh.Identity.Tests;

/// <summary>Finds ../shared/testdata next to the repository root (the dir holding Mesh.Security.sln).</summary>
internal static class TestData
{
    internal const string MissingReason = "../shared/testdata not found: conformance data is present in CI and the dev workspace";

    internal static string? Root { get; } = Find();

    internal static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException(MissingReason), .. parts]);

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Mesh.Security.sln")))
            {
                var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "testdata"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }

        return null;
    }
}
