using Mesh.Agent.Authn;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Config;

namespace Mesh.Agent.Tests.Authn;

/// <summary>The agent config's jwt section, read from real files: defaults, every field, and the errors.</summary>
public sealed class JwtConfigTests : IDisposable
{
    private const string Base = """
        node: node-1
        trustDomain: cluster.local
        ca:
          address: https://127.0.0.1:8443
          rootCert: ca/root.pem
          tokenFile: node-1.token
        policies: ./policies
        decisionLog: ./decisions.log
        inbound:
          listen: 127.0.0.1:0
        workloads: []

        """;

    private readonly ConfigDir _dir = new();

    public JwtConfigTests()
    {
        _dir.Write("node-1.token", "t0ken\n");
        Directory.CreateDirectory(_dir.File("policies"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Without_a_jwt_section_the_defaults_apply()
    {
        var options = AgentConfigLoader.Load(_dir.Write("agent.yaml", Base)).Jwt;

        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(16 * 1024, options.MaxTokenBytes);
        Assert.Equal(JwsAlgorithms.Default, options.AlgorithmsFor("https://any.example"));
        Assert.DoesNotContain("none", options.AlgorithmsFor("x"));
        Assert.DoesNotContain(options.AlgorithmsFor("x"), a => a.StartsWith("HS", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_field_is_read()
    {
        var path = _dir.Write("agent.yaml", Base + """
            jwt:
              clockSkew: 5s
              maxTokenBytes: 8Ki
              algorithms:
                "https://issuer.example": [ES256, PS256]

            """);

        var options = AgentConfigLoader.Load(path).Jwt;

        Assert.Equal(TimeSpan.FromSeconds(5), options.ClockSkew);
        Assert.Equal(8192, options.MaxTokenBytes);
        Assert.Equal(["ES256", "PS256"], options.AlgorithmsFor("https://issuer.example"));
        Assert.Equal(JwsAlgorithms.Default, options.AlgorithmsFor("https://other.example"));
    }

    [Fact]
    public void Unsafe_or_unknown_algorithms_and_bad_values_are_all_reported()
    {
        var path = _dir.Write("agent.yaml", Base + """
            jwt:
              clockSkew: 1h
              maxTokenBytes: 10
              algorithms:
                a: [none]
                b: [HS256]
                c: [Ed448]
                d: [RS1]

            """);

        var error = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("jwt.clockSkew: '1h'", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwt.maxTokenBytes: '10'", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwt.algorithms[a]: 'none' means an unsigned token", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwt.algorithms[b]: 'HS256' is HMAC", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwt.algorithms[c]: 'Ed448' is not a JWS signature algorithm", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwt.algorithms[d]: 'RS1' is not a JWS signature algorithm", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_in_the_section_is_an_error()
    {
        var path = _dir.Write("agent.yaml", Base + "jwt:\n  clockskew: 5s\n");

        var error = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("unknown field 'clockskew'", error.Message, StringComparison.Ordinal);
    }
}
