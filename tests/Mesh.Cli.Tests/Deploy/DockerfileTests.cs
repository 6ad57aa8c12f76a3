using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>
/// What deploy/Dockerfile promises, read as text: the image cannot be built in CI (no Docker daemon), so these check
/// the file, not an image.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "Dockerfile"));

    // Everything after the last FROM: what the image ships.
    private static string FinalStage => Dockerfile[Dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

    [Fact]
    public void The_build_stage_publishes_src_cli_self_contained_for_linux_x64()
    {
        var publish = Assert.Single(Instructions(Dockerfile, "RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));

        Assert.Contains("dotnet publish src/Cli ", publish, StringComparison.Ordinal);
        Assert.Contains("-r linux-x64", publish, StringComparison.Ordinal);
        Assert.Contains("--self-contained", publish, StringComparison.Ordinal);
        Assert.Contains("-o /app", publish, StringComparison.Ordinal);
        Assert.Contains("COPY --from=build /app /app", FinalStage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_entrypoint_is_the_mesh_binary_published_from_src_cli()
    {
        var assembly = XDocument.Load(Path.Combine(RepoPaths.Root, "src", "Cli", "Mesh.Cli.csproj")).Descendants("AssemblyName").Single().Value;

        Assert.Equal("""["/app/mesh"]""", Assert.Single(Instructions(FinalStage, "ENTRYPOINT")));
        Assert.Equal("mesh", assembly);
    }

    [Fact]
    public void The_final_stage_installs_iptables_and_runs_as_65532()
    {
        // `mesh redirect install` (the per-pod init container) runs iptables-save and iptables-restore from this image.
        Assert.Contains(Instructions(FinalStage, "RUN"), r => IptablesInstall().IsMatch(r));
        Assert.Equal("65532:65532", Assert.Single(Instructions(FinalStage, "USER")));
        Assert.StartsWith("\nFROM mcr.microsoft.com/dotnet/runtime-deps:10.0", FinalStage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifests_the_readme_and_the_build_command_name_one_image()
    {
        var images = KubernetesManifests.All.SelectMany(o => o switch
        {
            V1DaemonSet d => d.Spec.Template.Spec.Containers.Concat(d.Spec.Template.Spec.InitContainers ?? []),
            V1Deployment d => d.Spec.Template.Spec.Containers.Concat(d.Spec.Template.Spec.InitContainers ?? []),
            _ => [],
        }).Select(c => c.Image).Where(i => i.Contains("/mesh:", StringComparison.Ordinal)).Distinct().ToList();
        var readme = File.ReadAllText(Path.Combine(KubernetesManifests.Directory, "README.md"));

        var image = Assert.Single(images);
        Assert.Contains($"docker build -f deploy/Dockerfile -t {image} .", readme, StringComparison.Ordinal);
        Assert.Contains($"docker build -f deploy/Dockerfile -t {image} .", Dockerfile, StringComparison.Ordinal);
        // The README's redirect init container uses the same image.
        Assert.All(ImageLines().Matches(readme), m => Assert.Equal(image, m.Groups[1].Value));
    }

    // Instructions of one kind, continuation lines joined.
    private static List<string> Instructions(string text, string keyword) =>
        [.. text.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Where(l => l.StartsWith(keyword + " ", StringComparison.Ordinal))
            .Select(l => l[(keyword.Length + 1)..].Trim())];

    [GeneratedRegex(@"apt-get install\b[^&;]*\biptables\b")]
    private static partial Regex IptablesInstall();

    [GeneratedRegex(@"image: (\S+/mesh:\S+)")]
    private static partial Regex ImageLines();
}
