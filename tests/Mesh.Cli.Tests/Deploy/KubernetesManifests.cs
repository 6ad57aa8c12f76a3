using k8s;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>Every manifest under deploy/kubernetes, read into KubernetesClient's typed models.</summary>
internal static class KubernetesManifests
{
    public static string Directory => Path.Combine(RepoPaths.Root, "deploy", "kubernetes");

    /// <summary>Repo-relative paths of every YAML file under deploy/kubernetes, subdirectories included.</summary>
    public static IReadOnlyList<string> Files { get; } = System.IO.Directory
        .EnumerateFiles(Directory, "*.*", SearchOption.AllDirectories)
        .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
        .Select(f => Path.GetRelativePath(RepoPaths.Root, f))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// Strict: an unknown field (a misspelt key, a key at the wrong level) throws instead of being dropped, which is
    /// what kubectl's server-side field validation would also refuse.
    /// </summary>
    public static List<object> Load(string relativePath) =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath)), typeMap: null, strict: true);

    // Lazy: a file that does not parse must fail its own test, not the type initializer of every test.
    private static readonly Lazy<IReadOnlyList<object>> AllObjects = new(() => Files.SelectMany(Load).ToList());

    public static IReadOnlyList<object> All => AllObjects.Value;

    public static T Single<T>(string name)
        where T : IKubernetesObject<k8s.Models.V1ObjectMeta> =>
        All.OfType<T>().Single(o => o.Metadata.Name == name);
}
