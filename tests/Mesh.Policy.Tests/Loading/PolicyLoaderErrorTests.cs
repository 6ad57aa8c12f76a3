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
        new("unsupported field when", Head + "spec:\n  rules:\n  - when:\n    - key: a\n", 8, 5, "field 'when' is not supported yet"),
        new("unsupported field namespaces", Head + "spec:\n  rules:\n  - from:\n    - source:\n        namespaces: [a]\n", 10, 9, "field 'namespaces' is not supported yet"),
        new("unsupported field hosts", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        hosts: [a]\n", 10, 9, "field 'hosts' is not supported yet"),
        new("unsupported field ipBlocks", Head + "spec:\n  rules:\n  - from:\n    - source:\n        ipBlocks: [1.2.3.4]\n", 10, 9, "field 'ipBlocks' is not supported yet"),
        new("unknown field with suggestion", Head + "spec:\n  rules:\n  - from:\n    - source:\n        principal: [a]\n", 10, 9, "unknown field 'principal' in source; did you mean 'principals'?"),
        new("unknown field", Head + "spec:\n  foo: 1\n", 7, 3, "unknown field 'foo' in spec"),
        new("unknown top-level field", Head + "extra: 1\n", 6, 1, "unknown field 'extra'"),
        new("action AUDIT", Head + "spec:\n  action: AUDIT\n", 7, 11, "action AUDIT is not supported yet"),
        new("action CUSTOM", Head + "spec:\n  action: CUSTOM\n", 7, 11, "action CUSTOM is not supported yet"),
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
        new("path template", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        paths: [\"/a/{*}\"]\n", 10, 17, "path templates"),
        new("wildcard method", Head + "spec:\n  rules:\n  - to:\n    - operation:\n        methods: [\"G*\"]\n", 10, 19, "wildcards in methods are not supported yet"),
        new("source missing", Head + "spec:\n  rules:\n  - from:\n    - {}\n", 9, 7, "each 'from' entry needs 'source'"),
        new("null field", Head + "spec:\n  selector:\n", 7, 12, "field 'selector' has no value"),
        new("dry-run annotation", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n  namespace: demo\n  annotations:\n    istio.io/dry-run: \"true\"\n", 7, 5, "annotation 'istio.io/dry-run' is not supported yet"),
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
        var yaml = Head + "spec:\n  action: AUDIT\n  rules:\n  - when: []\n    to:\n    - operation:\n        ports: [\"x\", \"0\"]\n";

        var errors = PolicyLoader.LoadYaml(yaml, "f.yaml").Errors;

        Assert.Equal(
            ["f.yaml:7:11", "f.yaml:9:5", "f.yaml:12:17", "f.yaml:12:22"],
            errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
    }
}
