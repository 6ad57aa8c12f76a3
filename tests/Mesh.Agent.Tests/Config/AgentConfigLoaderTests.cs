using Mesh.Policy;
using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Config;

/// <summary>
/// AgentConfigLoader against real files: a valid node config (the shape `mesh demo` writes) and one mutation
/// per error kind. The config lives in node/, the registry in shared/, so relative paths show which directory
/// they are resolved against.
/// </summary>
public sealed class AgentConfigLoaderTests : IDisposable
{
    private const string ValidConfig = """
        node: node-1
        trustDomain: cluster.local
        ca:
          address: https://127.0.0.1:8443
          rootCert: ca/root.pem
          tokenFile: node-1.token
        policies: ./policies
        decisionLog: ./decisions.log
        registry: ../shared/registry.yaml
        inbound:
          listen: 127.0.0.1:15006
        admin:
          listen: 127.0.0.1:15000
        workloads:
          - name: frontend
            namespace: demo
            serviceAccount: frontend
            labels: { app: frontend }
            address: 127.0.0.1
            ports: [{ port: 8080, protocol: http }]
        outbound:
          - listen: 127.0.0.1:15001
            from: demo/frontend
            to: backend.demo:80

        """;

    internal const string ValidRegistry = """
        services:
          - name: backend.demo
            ports:
              - port: 80
                targetPort: 9080
                protocol: http
            endpoints:
              - address: 127.0.0.2
                agent: 127.0.0.2:15006
                identity: spiffe://cluster.local/ns/demo/sa/backend

        """;

    private readonly ConfigDir _dir = new();

    public AgentConfigLoaderTests()
    {
        _dir.Write("node/node-1.token", "  s3cret-token \n");
        _dir.Write("node/empty.token", "\n");
        Directory.CreateDirectory(_dir.File("node/policies"));
    }

    public void Dispose() => _dir.Dispose();

    private string WriteConfig(string config, string registry = ValidRegistry)
    {
        _dir.Write("shared/registry.yaml", registry);
        return _dir.Write("node/agent.yaml", config);
    }

    /// <summary>Replaces exactly one occurrence, so a case whose text drifted from the base config fails instead of testing nothing.</summary>
    private static string Mutate(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the base text does not contain '{find}'");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"the base text contains '{find}' more than once");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    /// <summary>The problem lines of a ConfigException, after checking its header names the file.</summary>
    private static List<string> Problems(ConfigException e, string path)
    {
        var lines = e.Message.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal($"{path}: invalid agent config:", lines[0]);
        return lines.Skip(1).ToList();
    }

    [Fact]
    public void Valid_config_loads_with_paths_resolved_against_the_config_files_directory()
    {
        var path = WriteConfig(ValidConfig);
        var nodeDir = _dir.File("node");

        var options = AgentConfigLoader.Load(path);

        Assert.Equal("node-1", options.Node);
        Assert.Equal(TrustDomain.Parse("cluster.local"), options.TrustDomain);
        Assert.Equal(new Uri("https://127.0.0.1:8443"), options.Ca.Address);
        Assert.Equal(Path.Combine(nodeDir, "ca", "root.pem"), options.Ca.RootCertPath);
        Assert.Equal("s3cret-token", options.Ca.BootstrapToken);
        Assert.Equal(Path.Combine(nodeDir, "policies"), options.PoliciesDir);
        Assert.Equal(Path.Combine(nodeDir, "decisions.log"), options.DecisionLogPath);
        Assert.Equal("istio-system", options.RootNamespace);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:15006"), options.InboundListen);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:15000"), options.AdminListen);

        var workload = Assert.Single(options.Workloads);
        Assert.Equal("demo/frontend", workload.Key);
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/frontend"), workload.Identity);
        Assert.Equal("frontend", workload.Labels["app"]);
        Assert.Equal(IPAddress.Loopback, workload.Address);
        Assert.Equal(new WorkloadPort(8080, PortProtocol.Http), Assert.Single(workload.Ports));

        // The registry path was ../shared/registry.yaml: it was found, so it was resolved against node/.
        var service = Assert.Single(options.Registry.Services);
        Assert.Equal(new ServicePort(80, 9080, PortProtocol.Http), Assert.Single(service.Ports));

        var outbound = Assert.Single(options.Outbound);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:15001"), outbound.Listen);
        Assert.Same(workload, outbound.Source);
        Assert.Equal(("backend.demo", 80), (outbound.Service, outbound.ServicePort));
    }

    [Fact]
    public void Optional_sections_may_be_left_out()
    {
        var config = Mutate(ValidConfig, "admin:\n  listen: 127.0.0.1:15000\n", "");
        config = Mutate(config, "registry: ../shared/registry.yaml\n", "");
        config = config[..config.IndexOf("outbound:", StringComparison.Ordinal)] + "rootNamespace: mesh-root\n";

        var options = AgentConfigLoader.Load(WriteConfig(config));

        Assert.Null(options.AdminListen);
        Assert.Empty(options.Registry.Services);
        Assert.Empty(options.Outbound);
        Assert.Equal("mesh-root", options.RootNamespace);
    }

    [Theory]
    [InlineData(null, MtlsMode.Permissive)]
    [InlineData("PERMISSIVE", MtlsMode.Permissive)]
    [InlineData("STRICT", MtlsMode.Strict)]
    public void Default_mtls_mode_is_permissive_unless_configured_strict(string? written, MtlsMode expected)
    {
        var config = written is null ? ValidConfig : ValidConfig + $"defaultMtlsMode: {written}\n";

        Assert.Equal(expected, AgentConfigLoader.Load(WriteConfig(config)).DefaultMtlsMode);
    }

    [Theory]
    [InlineData("DISABLE")]
    [InlineData("strict")]
    public void Default_mtls_mode_other_than_permissive_or_strict_is_an_error(string written)
    {
        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(WriteConfig(ValidConfig + $"defaultMtlsMode: {written}\n")));

        Assert.Contains($"defaultMtlsMode: '{written}' must be PERMISSIVE (Istio's default) or STRICT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_decision_log_path_keeps_the_defaults()
    {
        var settings = AgentConfigLoader.Load(WriteConfig(ValidConfig)).DecisionLog;

        Assert.Equal((100L * 1024 * 1024, 0, DecisionLogFailureMode.Closed), (settings.MaxBytes, settings.Keep, settings.OnFailure));
        Assert.Null(settings.HmacKey);
        Assert.Empty(settings.RedactHash);
    }

    [Fact]
    public void The_decision_log_mapping_sets_rotation_failure_mode_key_and_redaction()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        System.IO.File.WriteAllBytes(_dir.File("node/log.key"), key);
        var path = WriteConfig(Mutate(ValidConfig, "decisionLog: ./decisions.log\n", """
            decisionLog:
              path: audit/decisions.log
              maxBytes: 64Mi
              keep: 20
              onFailure: open
              hmacKeyFile: log.key
              redact:
                hash: [sub, x-user]
                drop: [authorization]

            """));

        var options = AgentConfigLoader.Load(path);

        Assert.Equal(Path.Combine(_dir.File("node"), "audit", "decisions.log"), options.DecisionLogPath);
        var settings = options.DecisionLog;
        Assert.Equal((64L << 20, 20, DecisionLogFailureMode.Open), (settings.MaxBytes, settings.Keep, settings.OnFailure));
        Assert.Equal(key, settings.HmacKey);
        Assert.Equal(["sub", "x-user"], settings.RedactHash);
        Assert.Equal(["authorization"], settings.RedactDrop);
    }

    [Fact]
    public void An_unknown_decision_log_field_is_an_error_at_its_position()
    {
        var path = WriteConfig(Mutate(ValidConfig, "decisionLog: ./decisions.log", "decisionLog: { path: d.log, maxSize: 1Mi }"));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Matches(":\\d+:\\d+: unknown field 'maxSize'", e.Message);
    }

    [Fact]
    public void Absolute_paths_are_kept_as_written()
    {
        var elsewhere = _dir.Write("elsewhere/root.pem", "");
        var path = WriteConfig(Mutate(ValidConfig, "rootCert: ca/root.pem", $"rootCert: {elsewhere}"));

        Assert.Equal(elsewhere, AgentConfigLoader.Load(path).Ca.RootCertPath);
    }

    public static TheoryData<string, string, string, string> ErrorCases => new()
    {
        // scenario, text in the valid config, replacement, the problem line that must be reported
        { "missing node", "node: node-1\n", "", "node: required" },
        { "blank node", "node: node-1\n", "node: \" \"\n", "node: required" },
        { "missing trust domain", "trustDomain: cluster.local\n", "", "trustDomain: required" },
        { "trust domain with upper case", "trustDomain: cluster.local", "trustDomain: Cluster.Local", "trustDomain: trust domain characters are limited" },
        { "trust domain given as a URL with a path", "trustDomain: cluster.local", "trustDomain: spiffe://cluster.local/ns//x", "trustDomain: path cannot contain empty segments" },
        { "missing ca section", "ca:\n  address: https://127.0.0.1:8443\n  rootCert: ca/root.pem\n  tokenFile: node-1.token\n", "", "ca: required" },
        { "plain http CA address", "address: https://127.0.0.1:8443", "address: http://127.0.0.1:8443", "ca.address: 'http://127.0.0.1:8443' must be an https:// URL" },
        { "CA address that is not a URL", "address: https://127.0.0.1:8443", "address: 127.0.0.1:8443", "ca.address: '127.0.0.1:8443' must be an https:// URL" },
        { "missing root cert", "  rootCert: ca/root.pem\n", "", "ca.rootCert: required" },
        { "missing token file setting", "  tokenFile: node-1.token\n", "", "ca.tokenFile: required" },
        { "token file that does not exist", "tokenFile: node-1.token", "tokenFile: missing.token", "ca.tokenFile: cannot read missing.token" },
        { "token file that is a directory", "tokenFile: node-1.token", "tokenFile: policies", "ca.tokenFile: cannot read policies" },
        { "empty token file", "tokenFile: node-1.token", "tokenFile: empty.token", "ca.tokenFile: empty.token is empty" },
        { "missing inbound section", "inbound:\n  listen: 127.0.0.1:15006\n", "", "inbound.listen: required" },
        { "inbound listen on a host name", "listen: 127.0.0.1:15006", "listen: localhost:15006", "inbound.listen: 'localhost:15006' is not an IP:port address" },
        { "inbound listen without a port", "listen: 127.0.0.1:15006", "listen: 127.0.0.1", "inbound.listen: '127.0.0.1' is not an IP:port address" },
        { "admin listen with a port out of range", "listen: 127.0.0.1:15000", "listen: 127.0.0.1:99999", "admin.listen: '127.0.0.1:99999' is not an IP:port address" },
        { "workload without a namespace", "    namespace: demo\n", "", "workloads[0].namespace: required" },
        { "workload without a name", "  - name: frontend\n    namespace: demo\n", "  - namespace: demo\n", "workloads[0].name: required" },
        { "workload without a service account", "    serviceAccount: frontend\n", "", "workloads[0].serviceAccount: required" },
        { "workload address that is a host name", "    address: 127.0.0.1\n", "    address: localhost\n", "workloads[0].address: 'localhost' is not an IP address" },
        { "workload port with an unsupported protocol", "protocol: http }", "protocol: udp }", "workloads[0].ports[0].protocol: protocol 'udp' is not supported; use tcp, http, http2 or grpc" },
        { "workload port without a protocol", ", protocol: http }", " }", "workloads[0].ports[0].protocol: protocol '' is not supported; use tcp, http, http2 or grpc" },
        { "workload port zero", "port: 8080", "port: 0", "workloads[0].ports[0].port: 0 is not a port number 1-65535" },
        {
            "workload listed twice",
            "outbound:\n",
            "  - { name: frontend, namespace: demo, serviceAccount: frontend, address: 127.0.0.1 }\noutbound:\n",
            "workloads: 'demo/frontend' is listed more than once"
        },
        { "outbound from a workload this node does not serve", "from: demo/frontend", "from: demo/ghost", "outbound[0].from: 'demo/ghost' is not a workload of this node; name one as namespace/name" },
        { "outbound from a bare workload name", "from: demo/frontend", "from: frontend", "outbound[0].from: 'frontend' is not a workload of this node" },
        { "outbound to a service not in the registry", "to: backend.demo:80", "to: nope.demo:80", "outbound[0].to: service 'nope.demo' is not in the registry" },
        { "outbound to a port the service does not have", "to: backend.demo:80", "to: backend.demo:81", "outbound[0].to: service 'backend.demo' has no port 81" },
        { "outbound to without a port", "to: backend.demo:80", "to: backend.demo", "outbound[0].to: 'backend.demo' must be service:port as named in the registry" },
        { "outbound listen that is not an address", "listen: 127.0.0.1:15001", "listen: 15001", "outbound[0].listen: '15001' is not an IP:port address" },
        { "missing policies", "policies: ./policies\n", "", "policies: required" },
        { "missing decision log", "decisionLog: ./decisions.log\n", "", "decisionLog: required" },
        { "decision log mapping without a path", "decisionLog: ./decisions.log", "decisionLog: { maxBytes: 1Mi }", "decisionLog: required" },
        { "decision log rotating at a tiny size", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, maxBytes: 100 }", "decisionLog.maxBytes: '100' must be 0 (never rotate) or a size of at least 65536 bytes" },
        { "decision log size with an unknown unit", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, maxBytes: 10MB }", "decisionLog.maxBytes: '10MB' must be" },
        { "decision log keep that is not a number", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, keep: all }", "decisionLog.keep: 'all' must be the number" },
        { "decision log failure mode misspelt", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, onFailure: shut }", "decisionLog.onFailure: 'shut' must be closed" },
        { "decision log HMAC key too short", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, hmacKeyFile: node-1.token }", "decisionLog.hmacKeyFile: node-1.token holds 16 bytes; use at least 32" },
        { "decision log HMAC key missing", "decisionLog: ./decisions.log", "decisionLog: { path: d.log, hmacKeyFile: nope.key }", "decisionLog.hmacKeyFile: cannot read nope.key" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Each_kind_of_error_is_reported_naming_the_field(string scenario, string find, string replace, string expected)
    {
        var path = WriteConfig(Mutate(ValidConfig, find, replace));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        var problems = Problems(e, path);
        Assert.True(problems.Any(p => p.StartsWith(expected, StringComparison.Ordinal)),
            $"{scenario}: expected a problem '{expected}', got:\n{e.Message}");
    }

    // Bug: SpiffeId.ForWorkload throws ArgumentException (as documented) but AgentConfigLoader.ReadWorkload
    // catches FormatException, so the ArgumentException escapes Load and every other problem goes unreported.
    [Theory]
    [InlineData("    namespace: demo\n", "    namespace: de/mo\n")]
    [InlineData("    serviceAccount: frontend\n", "    serviceAccount: front end\n")]
    public void Workload_whose_namespace_or_service_account_cannot_be_in_a_SPIFFE_ID_is_a_config_error(string find, string replace)
    {
        var path = WriteConfig(Mutate(ValidConfig, find, replace));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains(Problems(e, path), p => p.StartsWith("workloads[0]: namespace/serviceAccount do not form a valid SPIFFE ID", StringComparison.Ordinal));
    }

    // Bug: with an invalid trustDomain no workload is read at all, so workload errors are hidden and every
    // outbound listener gets a misleading "is not a workload of this node".
    [Fact]
    public void Bad_trust_domain_does_not_hide_workload_errors_or_invent_outbound_ones()
    {
        var config = Mutate(ValidConfig, "trustDomain: cluster.local", "trustDomain: Cluster.Local");
        config = Mutate(config, "outbound:\n", "  - { name: cron, serviceAccount: cron, address: 127.0.0.1 }\noutbound:\n");
        var path = WriteConfig(config);

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        var problems = Problems(e, path);
        Assert.Contains(problems, p => p.StartsWith("trustDomain: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("workloads[1].namespace: required", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("outbound[0].from:", StringComparison.Ordinal));
    }

    [Fact]
    public void Registry_endpoint_with_a_bad_SPIFFE_ID_is_reported_under_registry()
    {
        var registry = Mutate(ValidRegistry, "identity: spiffe://cluster.local/ns/demo/sa/backend", "identity: spiffe://cluster.local/ns/demo/sa/backend/");
        var path = WriteConfig(ValidConfig, registry);

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        var problems = Problems(e, path);
        Assert.Contains(problems, p => p.StartsWith($"registry: {_dir.File("shared/registry.yaml")}: invalid service registry:", StringComparison.Ordinal));
        Assert.Contains("services[0].endpoints[0].identity: path cannot have a trailing slash", problems);
    }

    [Fact]
    public void Registry_file_that_does_not_exist_is_reported_under_registry_with_its_resolved_path()
    {
        var path = WriteConfig(Mutate(ValidConfig, "registry: ../shared/registry.yaml", "registry: ../shared/nope.yaml"));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains(Problems(e, path), p => p.StartsWith($"registry: {_dir.File("shared/nope.yaml")}: cannot read", StringComparison.Ordinal));
    }

    [Fact]
    public void Several_errors_in_one_file_are_all_reported_at_once()
    {
        var config = Mutate(ValidConfig, "node: node-1\n", "");
        config = Mutate(config, "address: https://127.0.0.1:8443", "address: http://127.0.0.1:8443");
        config = Mutate(config, "tokenFile: node-1.token", "tokenFile: missing.token");
        config = Mutate(config, "listen: 127.0.0.1:15006", "listen: localhost:15006");
        config = Mutate(config, "protocol: http }", "protocol: udp }");
        config = Mutate(config, "to: backend.demo:80", "to: nope.demo:80");
        config = Mutate(config, "decisionLog: ./decisions.log\n", "");
        var path = WriteConfig(config);

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        var problems = Problems(e, path);
        string[] expected =
        [
            "node: required",
            "ca.address: 'http://127.0.0.1:8443' must be an https:// URL",
            "ca.tokenFile: cannot read missing.token",
            "inbound.listen: 'localhost:15006' is not an IP:port address",
            "workloads[0].ports[0].protocol: protocol 'udp' is not supported",
            "outbound[0].to: service 'nope.demo' is not in the registry",
            "decisionLog: required",
        ];
        foreach (var want in expected)
        {
            Assert.True(problems.Any(p => p.StartsWith(want, StringComparison.Ordinal)), $"missing '{want}' in:\n{e.Message}");
        }
    }

    public static TheoryData<string, string, string, int, int> UnknownFieldCases => new()
    {
        // scenario, text in the valid config, replacement, line, column of the unknown key
        { "misspelled top-level key", "node: node-1", "nodeName: node-1", 1, 1 },
        { "wrong case in the ca section", "  rootCert: ca/root.pem", "  rootcert: ca/root.pem", 5, 3 },
        { "key from another tool in a workload", "    serviceAccount: frontend", "    serviceAccountName: frontend", 17, 5 },
    };

    [Theory]
    [MemberData(nameof(UnknownFieldCases))]
    public void Unknown_field_is_an_error_at_its_file_line_and_column(string scenario, string find, string replace, int line, int column)
    {
        var path = WriteConfig(Mutate(ValidConfig, find, replace));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.True(e.Message.StartsWith($"{path}:{line}:{column}: ", StringComparison.Ordinal), $"{scenario}: {e.Message}");
        var key = replace.Trim().Split(':')[0];
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_of_the_wrong_type_is_an_error_at_its_file_line_and_column()
    {
        var path = WriteConfig(Mutate(ValidConfig, "port: 8080", "port: eighty"));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.StartsWith($"{path}:20:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_file_that_does_not_exist_is_a_config_error_naming_it()
    {
        var path = _dir.File("node/nope.yaml");

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.StartsWith($"{path}: cannot read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_given_twice_is_an_error_at_its_file_line_and_column()
    {
        // Which of two values would win is exactly what a security team must not have to guess.
        var path = WriteConfig(Mutate(ValidConfig, "    namespace: demo\n", "    namespace: demo\n    namespace: prod\n"));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.StartsWith($"{path}:", e.Message, StringComparison.Ordinal);
        Assert.Contains("Duplicate key", e.Message, StringComparison.Ordinal);
    }
}
