namespace Mesh.Policy.Tests.Lint;

/// <summary>
/// Broken PeerAuthentication (<c>pa-*</c>) and RequestAuthentication (<c>ra-*</c>) files, each ending in
/// <c># expect: file:line:col: message</c> lines: loading the file (or the directory, for cases spread over
/// files) must give exactly those errors, in that order. Paths are relative to this folder.
/// </summary>
public sealed class AuthnLintCorpusTests
{
    private const string Expect = "# expect: ";

    public static TheoryData<string> Cases() => new(Entries());

    private static List<string> Entries() =>
        Directory.EnumerateFileSystemEntries(LintDirectory())
            .Select(e => Path.GetFileName(e))
            .Where(e => e.StartsWith("pa-", StringComparison.Ordinal) || e.StartsWith("ra-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_exactly_the_expected_errors(string entry)
    {
        var lint = LintDirectory();
        var path = Path.Combine(lint, entry);
        var files = Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray() : [path];
        var result = Directory.Exists(path)
            ? PolicyLoader.LoadDirectory(path)
            : PolicyLoader.LoadYaml(File.ReadAllText(path), entry);

        var expected = files.SelectMany(File.ReadLines).Where(l => l.StartsWith(Expect, StringComparison.Ordinal)).Select(l => l[Expect.Length..]).ToList();
        var actual = result.Errors.Select(e => e.ToString().Replace(lint + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)).ToList();
        Assert.False(result.Ok);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_corpus_has_a_case_for_every_required_error()
    {
        var cases = Entries().ToHashSet(StringComparer.Ordinal);

        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "pa-unknown-mode.yaml", "pa-port-level-without-selector.yaml", "pa-mesh-wide-with-selector.yaml", "pa-two-namespace-wide",
                "ra-jwks-and-jwks-uri.yaml", "ra-bad-jwks-json.yaml", "ra-missing-issuer.yaml", "ra-unknown-field.yaml",
            },
            cases);
    }

    /// <summary>The corpus is read from the source tree, so a new file needs no project change.</summary>
    private static string LintDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.Security.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "Mesh.Policy.Tests", "Lint");
            }
        }

        throw new InvalidOperationException("Mesh.Security.sln not found above " + AppContext.BaseDirectory);
    }
}
