using System.Globalization;
using Mesh.Policy.Authentication;
using Mesh.Policy.Loading;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Tests.Conformance;

/// <summary>
/// Istio's TestComposePeerAuthentication (peer_authentication_compose in ../shared/testdata): every case
/// through the composer with the data's creation times, and every case through the loader, which refuses
/// the ones Istio settles by creation time (files carry none) or by ignoring a root-namespace selector.
/// </summary>
public sealed class PeerAuthenticationConformanceTests(ITestOutputHelper output)
{
    private const string WorkloadNamespace = "my-ns";

    // Ports not named in any case's portLevelMtls, to read the workload-level mode.
    private const int AnyOtherPort = 1;

    /// <summary>The cases the loader refuses, and the refusal it must give.</summary>
    private static readonly Dictionary<string, string> RefusedByLoader = new(StringComparer.Ordinal)
    {
        ["ignore non-empty selector in root namespace"] = "must not have a selector",
        ["multiple mesh policy: oldest wins (ties: first in input order)"] = "policy files carry no creation time",
        ["multiple namespace policy: oldest wins"] = "policy files carry no creation time",
        ["multiple workload policy: oldest wins"] = "policy files carry no creation time",
    };

    [SkippableFact]
    public void Every_compose_case_matches_istio_through_the_composer()
    {
        var cases = Cases();
        var mismatches = new List<string>();
        foreach (var c in cases)
        {
            var authn = new AuthnDefinitions();
            var errors = new List<PolicyError>();
            PolicyFileReader.Read(c.Yaml, new ErrorSink(c.Name, errors), authn);
            Assert.True(errors.Count == 0, $"{c.Name}: {string.Join("; ", errors)}");

            // Oldest first, ties in input order (OrderBy is stable), as Istio's CreationTimestamp.Before.
            var ordered = authn.Peer.Select((p, i) => (p, age: c.Offsets[i])).OrderBy(x => x.age).Select(x => x.p);
            var composed = PeerAuthenticationComposer.Compose(c.RootNamespace, ordered, MtlsMode.Permissive);
            var actual = Describe(composed.Workload.Mode, c.ExpectedPorts.Keys.Select(port => (port, composed.For(port).Mode)));
            if (actual != c.Expected)
            {
                mismatches.Add($"{c.Name}: expected {c.Expected}, got {actual}");
            }
        }

        output.WriteLine($"composer: {cases.Count} cases, {cases.Count - mismatches.Count} match Istio");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        Assert.Equal(14, cases.Count);
    }

    [SkippableFact]
    public void Every_compose_case_through_the_loader_matches_istio_or_is_refused_with_the_reason()
    {
        var cases = Cases();
        var matched = 0;
        var refused = new List<string>();
        var problems = new List<string>();
        foreach (var c in cases)
        {
            var result = PolicyLoader.LoadYaml(c.Yaml, c.Name, new PolicyLoaderOptions { RootNamespace = c.RootNamespace });
            if (RefusedByLoader.TryGetValue(c.Name, out var reason))
            {
                refused.Add(c.Name);
                if (result.Ok || !result.Errors.All(e => e.Message.Contains(reason, StringComparison.Ordinal)))
                {
                    problems.Add($"{c.Name}: expected a refusal containing '{reason}', got {(result.Ok ? "a loaded set" : string.Join("; ", result.Errors))}");
                }

                continue;
            }

            if (!result.Ok)
            {
                problems.Add($"{c.Name}: refused valid policies: {string.Join("; ", result.Errors)}");
                continue;
            }

            var set = result.PeerAuthentications!;
            var actual = Describe(
                set.ModeFor(WorkloadNamespace, c.Labels, AnyOtherPort).Mode,
                c.ExpectedPorts.Keys.Select(port => (port, set.ModeFor(WorkloadNamespace, c.Labels, port).Mode)));
            if (actual == c.Expected)
            {
                matched++;
            }
            else
            {
                problems.Add($"{c.Name}: expected {c.Expected}, got {actual}");
            }
        }

        output.WriteLine($"loader: {cases.Count} cases, {matched} match Istio, {refused.Count} refused at load (no creation times / root-namespace selector)");
        refused.ForEach(name => output.WriteLine($"  refused: {name}"));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal((10, 4), (matched, refused.Count));
    }

    private sealed record ComposeCase(
        string Name, string RootNamespace, string Yaml, int[] Offsets, Dictionary<string, string> Labels, string Expected, Dictionary<int, string> ExpectedPorts);

    private static string Describe(MtlsMode mode, IEnumerable<(int Port, MtlsMode Mode)> ports) =>
        Name(mode) + string.Concat(ports.OrderBy(p => p.Port).Select(p => $" {p.Port}:{Name(p.Mode)}"));

    private static string Name(MtlsMode mode) => mode.ToString().ToUpperInvariant();

    private static List<ComposeCase> Cases()
    {
        var path = Path.Combine(TestDataDirectory.Require(), "authz", "istio", "istio_l4_pa_stringmatch.yaml");
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var section = ConformanceCaseReader.Map(root, "peer_authentication_compose")!;
        var cases = new List<ComposeCase>();
        foreach (var c in ((YamlSequenceNode)section[new YamlScalarNode("cases")]).Cast<YamlMappingNode>())
        {
            var policies = ((YamlSequenceNode)c[new YamlScalarNode("policies")]).Cast<YamlMappingNode>().ToList();
            var offsets = new int[policies.Count];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var documents = new List<YamlDocument>();
            for (var i = 0; i < policies.Count; i++)
            {
                var (document, offset) = ToDocument(policies[i]);
                offsets[i] = offset;
                documents.Add(new YamlDocument(document));
                var matchLabels = ConformanceCaseReader.Map(ConformanceCaseReader.Map(ConformanceCaseReader.Map(policies[i], "spec"), "selector"), "matchLabels");
                foreach (var (key, value) in matchLabels?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
                {
                    // The data's input is "every policy already known to apply to the workload", so it carries all their labels.
                    labels[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value!;
                }
            }

            var expect = ConformanceCaseReader.Map(c, "expect")!;
            var ports = ConformanceCaseReader.Map(expect, "perPort")?.Children
                .ToDictionary(kv => int.Parse(((YamlScalarNode)kv.Key).Value!, CultureInfo.InvariantCulture), kv => ((YamlScalarNode)kv.Value).Value!)
                ?? [];
            var expected = ConformanceCaseReader.Str(expect, "mode")! + string.Concat(ports.OrderBy(p => p.Key).Select(p => $" {p.Key}:{p.Value}"));
            cases.Add(new ComposeCase(
                ConformanceCaseReader.Str(c, "name")!, ConformanceCaseReader.Str(c, "root_namespace")!, ToYaml(documents), offsets, labels, expected, ports));
        }

        return cases;
    }

    /// <summary>The data omits apiVersion and replaces creationTimestamp with an offset; rebuild a real document.</summary>
    private static (YamlMappingNode Document, int Offset) ToDocument(YamlMappingNode policy)
    {
        var document = new YamlMappingNode { { "apiVersion", "security.istio.io/v1" } };
        var offset = 0;
        foreach (var (key, value) in policy.Children)
        {
            if (key is YamlScalarNode { Value: "metadata" } && value is YamlMappingNode metadata)
            {
                var copy = new YamlMappingNode();
                foreach (var (mk, mv) in metadata.Children)
                {
                    if (mk is YamlScalarNode { Value: "creationTimestampOffsetSec" })
                    {
                        offset = int.Parse(((YamlScalarNode)mv).Value!, CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        copy.Add(mk, mv);
                    }
                }

                document.Add(key, copy);
            }
            else
            {
                document.Add(key, value);
            }
        }

        return (document, offset);
    }

    private static string ToYaml(List<YamlDocument> documents)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(documents).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
