namespace Mesh.Policy.Tests.Authentication;

/// <summary>Builds PeerAuthentication / RequestAuthentication documents for tests.</summary>
internal static class AuthnYaml
{
    public static string Peer(string ns, string name, string spec) =>
        $"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{Indent(spec)}---\n";

    public static string Request(string ns, string name, string spec) =>
        $"apiVersion: security.istio.io/v1beta1\nkind: RequestAuthentication\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{Indent(spec)}---\n";

    public static PolicyLoadResult Load(string yaml, PolicyLoaderOptions? options = null)
    {
        var result = PolicyLoader.LoadYaml(yaml, "authn.yaml", options);
        Assert.True(result.Ok, string.Join('\n', result.Errors));
        return result;
    }

    private static string Indent(string spec) =>
        spec.Length == 0 ? "  {}\n" : string.Concat(spec.Split('\n').Where(l => l.Length > 0).Select(l => "  " + l + "\n"));
}
