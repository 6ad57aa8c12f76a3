using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>Each manifest file parses, document by document, into typed models with no field left over.</summary>
public sealed class KubernetesManifestParseTests
{
    public static TheoryData<string> Files() => new(KubernetesManifests.Files);

    [Fact]
    public void The_directory_has_manifests()
    {
        Assert.NotEmpty(KubernetesManifests.Files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_document_is_a_typed_kubernetes_object(string file)
    {
        var documents = YamlDocuments(file);
        var objects = KubernetesManifests.Load(file);

        Assert.Equal(documents.Count, objects.Count);
        foreach (var o in objects)
        {
            var typed = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o);
            Assert.False(string.IsNullOrEmpty(typed.Metadata?.Name), $"{file}: a {typed.Kind} without metadata.name");
            Assert.StartsWith("k8s.Models.", o.GetType().FullName, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Re_serializing_keeps_every_key_of_the_input(string file)
    {
        // Belt and braces beside the strict deserializer: a key the model does not carry would vanish here.
        var inputs = YamlDocuments(file);
        var objects = KubernetesManifests.Load(file);
        for (var i = 0; i < inputs.Count; i++)
        {
            var output = new YamlStream();
            output.Load(new StringReader(KubernetesYaml.Serialize(objects[i])));
            var inputKeys = KeyPaths(inputs[i].RootNode, "").ToHashSet(StringComparer.Ordinal);
            var outputKeys = KeyPaths(output.Documents[0].RootNode, "").ToHashSet(StringComparer.Ordinal);
            inputKeys.ExceptWith(outputKeys);
            Assert.True(inputKeys.Count == 0, $"{file} document {i}: lost on the round trip: {string.Join(", ", inputKeys)}");
        }
    }

    [Theory]
    [InlineData("imagePullPolicyy: IfNotPresent")]   // misspelt
    [InlineData("audience: mesh-ca")]                 // a real field, at the wrong level
    public void A_misspelt_or_misplaced_field_is_refused(string extraLine)
    {
        var yaml = $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
                - name: c
                  image: i
                  {extraLine}
            """;

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true));
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: false));
    }

    [Fact]
    public void An_unknown_kind_is_refused()
    {
        const string yaml = "apiVersion: v1\nkind: Podd\nmetadata: {name: p}\n";

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true));
    }

    private static List<YamlDocument> YamlDocuments(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Support.RepoPaths.Root, file))));
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).ToList();
    }

    private static IEnumerable<string> KeyPaths(YamlNode node, string at) => node switch
    {
        YamlMappingNode map => map.Children.SelectMany(kv =>
        {
            var path = $"{at}.{((YamlScalarNode)kv.Key).Value}";
            return KeyPaths(kv.Value, path).Prepend(path);
        }),
        // List items by position: the models keep order.
        YamlSequenceNode seq => seq.Children.SelectMany((item, i) => KeyPaths(item, $"{at}[{i}]")),
        _ => [],
    };
}
