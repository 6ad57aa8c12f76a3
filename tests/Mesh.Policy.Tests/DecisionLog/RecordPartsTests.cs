namespace Mesh.Policy.Tests.DecisionLog;

/// <summary>The pure pieces of a record: reason codes, redaction, the deciding rule's file:line and the policy set digest.</summary>
public sealed class RecordPartsTests : IDisposable
{
    private const string Policies = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: deny-admin
          namespace: demo
        spec:
          action: DENY
          rules:
          - to:
            - operation:
                paths: ["/admin*"]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: reads
          namespace: demo
        spec:
          rules:
          - to:
            - operation:
                methods: ["POST"]
          - to:
            - operation:
                methods: ["GET"]
        """;

    private readonly ScratchDir dir = new();

    public void Dispose() => dir.Dispose();

    private static AuthzRequest Get(string path, string ns = "demo") =>
        new() { DestinationNamespace = ns, DestinationPort = 80, Protocol = AuthzProtocol.Http, Method = "GET", Path = path };

    public static TheoryData<string, string, string, string, string?> Reasons => new()
    {
        // scenario, namespace, path, reason code, file:line of the deciding rule
        { "a DENY rule matches", "demo", "/admin/keys", ReasonCodes.DeniedByPolicy, "authz.yaml:9" },
        { "the second ALLOW rule matches", "demo", "/items", ReasonCodes.AllowedByPolicy, "authz.yaml:23" },
        { "no policy selects the workload", "other", "/items", ReasonCodes.DefaultAllow, null },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Each_decision_gets_its_reason_code_and_the_rules_file_and_line(string scenario, string ns, string path, string code, string? at)
    {
        File.WriteAllText(dir.File("authz.yaml"), Policies);
        var set = PolicyLoader.LoadDirectory(dir.Path).Policies!;

        var decision = set.Evaluate(Get(path, ns));

        Assert.True(code == ReasonCodes.For(decision), scenario);
        Assert.Equal(at, decision.At);
    }

    [Fact]
    public void No_allow_match_when_allow_policies_select_the_workload_but_none_matches()
    {
        var set = PolicyLoader.LoadYaml(Policies, "authz.yaml").Policies!;

        Assert.Equal(ReasonCodes.NoAllowMatch, ReasonCodes.For(set.Evaluate(Get("/items") with { Method = "DELETE" })));
    }

    [Fact]
    public void The_policy_set_digest_follows_file_names_and_bytes_only()
    {
        File.WriteAllText(dir.File("b.yaml"), Policies);
        File.WriteAllText(dir.File("a.yaml"), "");
        var first = PolicyLoader.LoadDirectory(dir.Path).Policies!.Digest;
        var again = PolicyLoader.LoadDirectory(dir.Path).Policies!.Digest;
        File.AppendAllText(dir.File("a.yaml"), "# a comment moves nothing but the bytes\n");
        var edited = PolicyLoader.LoadDirectory(dir.Path).Policies!.Digest;

        Assert.Matches("^sha256:[0-9a-f]{64}$", first);
        Assert.Equal(first, again);
        Assert.NotEqual(first, edited);
        Assert.NotEqual(PolicySetDigest.Empty, first);
    }

    [Fact]
    public void Redaction_hashes_or_drops_the_named_values_ignoring_case()
    {
        var redaction = new FieldRedaction(hash: ["sub"], drop: ["Authorization"]);

        var result = redaction.Apply(new Dictionary<string, string> { ["SUB"] = "alice", ["authorization"] = "Bearer x", ["iss"] = "https://idp" });

        Assert.Equal(new Dictionary<string, string> { ["SUB"] = FieldRedaction.Hash("alice"), ["iss"] = "https://idp" }, result);
        Assert.Equal("sha256:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90", FieldRedaction.Hash("alice"));
        Assert.Null(redaction.Apply(null));
        Assert.Null(redaction.Apply(new Dictionary<string, string> { ["authorization"] = "x" }));
    }
}
