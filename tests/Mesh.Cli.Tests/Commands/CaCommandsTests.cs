using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

public sealed class CaCommandsTests
{
    private static string WriteConfig(TempDir dir)
    {
        File.WriteAllText(dir.File("workloads.yaml"), "workloads:\n  - { node: vm-1, namespace: vm, serviceAccount: billing }\n");
        File.WriteAllText(dir.File("ca.yaml"), "trustDomain: cluster.local\nstateDir: ./state\nregistry: workloads.yaml\n");
        return dir.File("ca.yaml");
    }

    [Fact]
    public async Task Token_prints_a_one_time_token_and_stores_only_its_hash()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);

        var result = await MeshProcess.RunAsync("ca", "token", "--config", config, "--node", "vm-1", "--ttl", "30m");

        Assert.True(result.ExitCode == 0, result.ToString());
        // Only the token on stdout (so `> node.token` is the agent's tokenFile); what it is for goes to stderr.
        var token = Assert.Single(result.StdOutLines);
        // 32 random bytes, base64url without padding.
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        Assert.Contains("join token for node vm-1", result.StdErr, StringComparison.Ordinal);
        var stored = File.ReadAllText(dir.File("state/join-tokens.json"));
        Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
        var entry = JsonDocument.Parse(stored).RootElement.GetProperty("tokens")[0];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), entry.GetProperty("sha256").GetString());
        Assert.Equal("vm-1", entry.GetProperty("node").GetString());
        var lifetime = entry.GetProperty("expires").GetDateTimeOffset() - entry.GetProperty("created").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(30), lifetime);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("state/join-tokens.json")));
        }
    }

    [Fact]
    public async Task Token_is_new_on_every_run_and_bad_input_is_refused()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);

        var first = await MeshProcess.RunAsync("ca", "token", "--config", config, "--node", "vm-1");
        var second = await MeshProcess.RunAsync("ca", "token", "--config", config, "--node", "vm-1");
        var badNode = await MeshProcess.RunAsync("ca", "token", "--config", config, "--node", "a/b");
        var badTtl = await MeshProcess.RunAsync("ca", "token", "--config", config, "--node", "vm-1", "--ttl", "30d");

        Assert.NotEqual(first.StdOutLines[0], second.StdOutLines[0]);
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(dir.File("state/join-tokens.json"))).RootElement.GetProperty("tokens").GetArrayLength());
        Assert.True(badNode.ExitCode != 0 && badNode.StdErrLines.Any(l => l.Contains("invalid node name 'a/b'", StringComparison.Ordinal)), badNode.ToString());
        Assert.True(badTtl.ExitCode != 0 && badTtl.StdErrLines.Any(l => l.Contains("at most 7d", StringComparison.Ordinal)), badTtl.ToString());
    }

    [Fact]
    public async Task Issue_signs_a_csr_by_hand_and_audits_the_operator()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        var (csrExit, csrOut) = await Openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", dir.File("vm.key"), "-out", dir.File("vm.csr"), "-subj", "/CN=vm-1");
        Assert.True(csrExit == 0, csrOut);

        var result = await MeshProcess.RunAsync("ca", "issue", "--config", config, "--identity", "spiffe://cluster.local/ns/vm/sa/billing",
            "--csr", dir.File("vm.csr"), "--ttl", "2h", "--out", dir.File("vm.pem"));
        var refused = await MeshProcess.RunAsync("ca", "issue", "--config", config, "--identity", "spiffe://other.domain/ns/vm/sa/billing",
            "--csr", dir.File("vm.csr"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var (verifyExit, verifyOut) = await Openssl("verify", "-x509_strict", "-CAfile", dir.File("state/trust-bundle.pem"), "-untrusted", dir.File("vm.pem"), dir.File("vm.pem"));
        Assert.True(verifyExit == 0, verifyOut);
        Assert.True(refused.ExitCode != 0 && refused.StdErrLines.Any(l => l.Contains("outside trust domain cluster.local", StringComparison.Ordinal)), refused.ToString());
        var audit = File.ReadAllLines(dir.File("state/issuance-audit.log")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.Equal("manual", a.GetProperty("auth_method").GetString()));
        Assert.Equal("issued", audit[0].GetProperty("result").GetString());
        Assert.Equal("spiffe://cluster.local/ns/vm/sa/billing", audit[0].GetProperty("granted_identity").GetString());
        Assert.Equal(Environment.UserName, audit[0].GetProperty("caller").GetString()!.Split(' ')[0]);
        Assert.Equal("refused", audit[1].GetProperty("result").GetString());
    }

    [Fact]
    public async Task Serve_with_a_config_that_does_not_exist_fails_with_one_line_on_stderr()
    {
        var result = await MeshProcess.RunAsync("ca", "serve", "--config", "/nonexistent-ca.yaml");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.StartsWith("mesh: ", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> Openssl(params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
