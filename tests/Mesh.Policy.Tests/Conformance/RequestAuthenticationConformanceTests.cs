using System.Globalization;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Tests.Conformance;

/// <summary>
/// Every RequestAuthentication in Istio's suites (../shared/testdata) is valid Istio, so it must load, and
/// apply to the suites' destination workload (ns1, app=b). Token verification is not in this slice.
/// </summary>
public sealed class RequestAuthenticationConformanceTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> WorkloadB = new() { ["app"] = "b" };

    [SkippableFact]
    public void Every_request_authentication_in_the_istio_suites_loads_and_applies_to_the_destination()
    {
        var path = Path.Combine(TestDataDirectory.Require(), "authz", "istio", "istio_authz_suites.yaml");
        var stream = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            stream.Load(reader);
        }

        var policies = new List<YamlMappingNode>();
        Collect(stream.Documents[0].RootNode, policies);
        var distinct = policies.Select(Yaml).Distinct(StringComparer.Ordinal).ToList();

        var rules = 0;
        foreach (var yaml in distinct)
        {
            var result = PolicyLoader.LoadYaml(JwksPlaceholder.Substitute(yaml), "suite.yaml");
            Assert.True(result.Ok, yaml + "\n" + string.Join('\n', result.Errors));
            var expected = Count(yaml, "issuer:");
            var applied = result.RequestAuthentications!.RulesFor("ns1", WorkloadB);
            Assert.Equal(expected, applied.Count);
            rules += applied.Count;
        }

        output.WriteLine($"{distinct.Count} distinct RequestAuthentications ({rules} jwtRules) load and apply to ns1/app=b");
        // Observed 8 distinct policies; the floor catches a reader that silently finds none.
        Assert.True(distinct.Count >= 8, $"only {distinct.Count} RequestAuthentications found");
    }

    private static void Collect(YamlNode node, List<YamlMappingNode> into)
    {
        switch (node)
        {
            case YamlMappingNode map:
                if (ConformanceCaseReader.Str(map, "kind") == "RequestAuthentication")
                {
                    into.Add(map);
                    return;
                }

                foreach (var child in map.Children.Values)
                {
                    Collect(child, into);
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Collect(child, into);
                }

                break;
        }
    }

    private static int Count(string text, string fragment) =>
        text.Split('\n').Count(l => l.TrimStart(' ', '-').StartsWith(fragment, StringComparison.Ordinal));

    private static string Yaml(YamlMappingNode policy)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(policy)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
