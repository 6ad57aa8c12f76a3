namespace Mesh.Policy.Tests.Loading;

/// <summary>Every error kind names file, line and column of the offending node.</summary>
public sealed class PolicyLoaderErrorTests
{
    public sealed record Case(string Name, string Yaml, int Line, int Column, string Message)
    {
        public override string ToString() => Name;
    }

    private const string Head = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: p
          namespace: demo

        """;

    public static TheoryData<Case> Cases => new()
    {
        new("bad YAML syntax", Head + "spec:\n  rules: [\n", 8, 1, "YAML syntax error"),
        new("unknown when key", Head + "spec:\n  rules:\n  - when:\n    - key: a\n      values: [x]\n", 9, 12, "unknown condition key 'a'"),
        new("when without values", Head + "spec:\n  rules:\n  - when:\n    - key: source.ip\n", 9, 7, "needs 'values' or 'notValues'"),
        new("serviceAccounts with principals", Head + "spec:\n  rules:\n  - from:\n    - source:\n        serviceAccounts: [a/b]\n        principals: [x]\n", 11, 9, "cannot be combined with serviceAccounts"),
        new("targetRefs", Head + "spec:\n  targetRefs:\n  - kind: Gateway\n", 7, 3, "'targetRefs' is not supported"),
        new("bad CIDR", Head + "spec:\n  rules:\n  - from:\n    - source:\n        ipBlocks: [10.0.0.0/33]\n", 10, 20, "prefix length must be a number from 0 to 32"),
        new("unknown field with suggestion", Head + "spec:\n  rules:\n  - from:\n    - source:\n        principal: [a]\n", 10, 9, "unknown field 'principal' in source; did you mean 'principals'?"),
        new("unknown field", Head + "spec:\n  foo: 1\n", 7, 3, "unknown field 'foo' in spec"),
        new("unknown top-level field", Head + "extra: 1\n", 6, 1, "unknown field 'extra'"),
        new("action CUSTOM", Head + "spec:\n  action: CUSTOM\n", 7, 11, "action CUSTOM (external authorization) is not supported"),
        new("action lower case", Head + "spec:\n  action: deny\n", 7, 11, "did you mean 'DENY'?"),
        new("other kind", "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: x\n", 2, 7, "kind Sidecar is not supported yet"),
        new("bad apiVersion", "apiVersion: v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n  namespace: demo\n", 1, 13, "apiVersion 'v1' is not supported"),
        new("missing namespace", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n", 4, 3, "missing 'metadata.namespace'"),
        new("port not numeric", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        ports: [\"http\"]\n", 10, 17, "port 'http' in 'ports' must be a number from 1 to 65535"),
        new("port out of range", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        notPorts: [\"65536\"]\n", 10, 20, "must be a number from 1 to 65535"),
        new("port zero", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        ports:\n        - 0\n", 11, 11, "must be a number from 1 to 65535"),
        new("empty string in list", Head + "spec:\n  rules:\n  - from:\n    - source:\n        principals: [\"\"]\n", 10, 22, "empty value in 'principals'"),
        new("empty list", Head + "spec:\n  rules:\n  - from:\n    - source:\n        principals: []\n", 10, 21, "'principals' is an empty list"),
        new("wildcard in the middle", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        paths: [\"/a*b\"]\n", 10, 17, "'*' is only allowed"),
        new("path template after {**}", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        paths: [\"/a/{**}/{*}\"]\n", 10, 17, "{**} must be the last operator"),
        new("wildcard in a template literal", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        paths: [\"/a*/{*}\"]\n", 10, 17, "'*' is not a wildcard inside templates"),
        new("source missing", Head + "spec:\n  rules:\n  - from:\n    - {}\n", 9, 7, "each 'from' entry needs 'source'"),
        new("null field", Head + "spec:\n  selector:\n", 7, 12, "field 'selector' has no value"),
        new("dry-run annotation not a boolean", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n  namespace: demo\n  annotations:\n    istio.io/dry-run: \"yes\"\n", 7, 23, "must be \"true\" or \"false\""),
        new("rules not a list", Head + "spec:\n  rules: {}\n", 7, 10, "field 'rules' must be a list"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_error_at_position(Case c)
    {
        var result = PolicyLoader.LoadYaml(c.Yaml, "policies/p.yaml");

        Assert.False(result.Ok);
        Assert.Null(result.Policies);
        var error = Assert.Single(result.Errors);
        Assert.Equal("policies/p.yaml", error.File);
        Assert.Contains(c.Message, error.Message, StringComparison.Ordinal);
        Assert.Equal((c.Line, c.Column), (error.Line, error.Column));
        Assert.StartsWith($"policies/p.yaml:{c.Line}:{c.Column}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_error_in_a_document()
    {
        var yaml = Head + "spec:\n  action: CUSTOM\n  rules:\n  - when: []\n    to:\n    - operation:\n        ports: [\"x\", \"0\"]\n";

        var errors = PolicyLoader.LoadYaml(yaml, "f.yaml").Errors;

        Assert.Equal(
            ["f.yaml:7:11", "f.yaml:9:11", "f.yaml:12:17", "f.yaml:12:22"],
            errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
    }
}
