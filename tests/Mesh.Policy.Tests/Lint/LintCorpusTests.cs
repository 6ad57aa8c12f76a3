using System.Text.RegularExpressions;

namespace Mesh.Policy.Tests.Lint;

/// <summary>
/// Broken policy files as people write them (Lint/Corpus). Each file states its errors in
/// <c># expect: line:col message</c> comments; the loader must report exactly those, at exactly those positions.
/// </summary>
public sealed partial class LintCorpusTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Lint", "Corpus");

    public static TheoryData<string> Files => new(Directory.EnumerateFiles(Corpus, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reports_each_error_at_its_position(string file)
    {
        var text = File.ReadAllText(Path.Combine(Corpus, file));
        var expected = Expect().Matches(text).Select(m => (Position: $"{file}:{m.Groups[1].Value}", Message: m.Groups[2].Value.Trim())).ToList();

        var result = PolicyLoader.LoadYaml(text, file);

        Assert.NotEmpty(expected);
        Assert.Null(result.Policies);
        Assert.Equal(expected.Select(e => e.Position), result.Errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
        foreach (var (error, (_, message)) in result.Errors.Zip(expected))
        {
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_whole_corpus_is_refused_with_every_error_at_once()
    {
        var expected = Directory.EnumerateFiles(Corpus, "*.yaml").Sum(f => Expect().Matches(File.ReadAllText(f)).Count);

        var result = PolicyLoader.LoadDirectory(Corpus);

        Assert.Null(result.Policies);
        Assert.Equal(expected, result.Errors.Count);
        Assert.True(Directory.EnumerateFiles(Corpus, "*.yaml").Count() >= 15);
    }

    [GeneratedRegex(@"^# expect: (\d+:\d+) (.*)$", RegexOptions.Multiline)]
    private static partial Regex Expect();
}
