namespace Mesh.Policy.Tests.Loading;

public sealed class PolicyLoaderDirectoryTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mesh-policy-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Policy(string name, string ns = "demo", string spec = "{}") =>
        $"apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n    owner: sec\nspec: {spec}\n";

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Loads_multi_document_files_and_both_extensions()
    {
        Write("a.yaml", Policy("one") + "---\n" + Policy("two") + "---\n");
        Write("b.yml", "# comment only document\n---\n" + Policy("three", ns: "other"));
        Write("notes.txt", "not yaml: [");
        Write(".swap.yaml", "not yaml: [");

        var result = PolicyLoader.LoadDirectory(dir);

        Assert.True(result.Ok, string.Join('\n', result.Errors));
        Assert.Equal(3, result.Policies!.Count);
    }

    [Fact]
    public void Reports_all_errors_in_all_files()
    {
        var a = Write("a.yaml", Policy("one") + "---\n" + Policy("two", spec: "{action: CUSTOM}") + "---\n" + "apiVersion: security.istio.io/v1\nkind: Sidecar\n");
        var b = Write("b.yaml", "key: [unclosed\n");
        var c = Write("c.yaml", Policy("one"));

        var result = PolicyLoader.LoadDirectory(dir);

        Assert.Null(result.Policies);
        Assert.Equal(
            [$"{a}:17:16", $"{a}:20:7", $"{b}:2:1", $"{c}:4:3"],
            result.Errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
        Assert.Contains($"duplicate policy demo/one; first defined at {a}:4:3", result.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_directory_is_one_error()
    {
        var missing = Path.Combine(dir, "nope");

        var error = Assert.Single(PolicyLoader.LoadDirectory(missing).Errors);

        Assert.Equal(missing, error.File);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_directory_loads_an_empty_set()
    {
        var result = PolicyLoader.LoadDirectory(dir);

        Assert.True(result.Ok);
        Assert.Equal(0, result.Policies!.Count);
    }
}
