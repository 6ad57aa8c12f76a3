using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh ca init | rotate | status` on real temp dirs, run as the real program.</summary>
public sealed class CaStateCommandsTests
{
    private static string Config(TempDir dir, string extra = "") =>
        dir.Write("ca.yaml", "trustDomain: cluster.local\nstateDir: ./state\nlisten: 127.0.0.1:0\n" + extra);

    [Fact]
    public async Task Init_creates_root_and_intermediate_prints_paths_and_fingerprints_and_is_idempotent()
    {
        using var dir = new TempDir();
        var config = Config(dir);

        var result = await MeshProcess.RunAsync("ca", "init", "--config", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        var state = Path.Combine(dir.Path, "state");
        foreach (var (role, stem) in new[] { ("root", "root"), ("intermediate", "intermediate") })
        {
            var cert = Path.Combine(state, stem + "-cert.pem");
            var key = Path.Combine(state, stem + "-key.pem");
            using var x509 = X509Certificate2.CreateFromPem(File.ReadAllText(cert));
            Assert.Contains($"{role}:", result.StdOutLines);
            Assert.Contains($"  sha256: {Convert.ToHexString(x509.GetCertHash(HashAlgorithmName.SHA256))}", result.StdOutLines);
            Assert.Contains($"  cert: {cert}", result.StdOutLines);
            Assert.Contains($"  key: {key}", result.StdOutLines);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            }
        }

        Assert.Contains("rotation: idle", result.StdOutLines);
        var again = await MeshProcess.RunAsync("ca", "init", "--config", config);
        Assert.Equal(result.StdOutLines.Where(l => l.Contains("sha256", StringComparison.Ordinal)), again.StdOutLines.Where(l => l.Contains("sha256", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Init_with_an_encrypted_state_and_the_wrong_passphrase_fails_with_the_reason()
    {
        using var dir = new TempDir();
        dir.Write("pass", "right\n");
        Assert.Equal(0, (await MeshProcess.RunAsync("ca", "init", "--config", Config(dir, "keyPassphrase: {file: ./pass}\n"))).ExitCode);
        dir.Write("pass", "wrong\n");

        var result = await MeshProcess.RunAsync("ca", "init", "--config", Config(dir, "keyPassphrase: {file: ./pass}\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the keyPassphrase is wrong", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_before_init_says_to_run_init()
    {
        using var dir = new TempDir();

        var result = await MeshProcess.RunAsync("ca", "rotate", "--config", Config(dir), "--intermediate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run `mesh ca init", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_records_a_request_refuses_a_second_and_status_json_reports_it()
    {
        using var dir = new TempDir();
        var config = Config(dir, "rotation: {publishBeforeActivate: 10m}\n");
        Assert.Equal(0, (await MeshProcess.RunAsync("ca", "init", "--config", config)).ExitCode);

        var first = await MeshProcess.RunAsync("ca", "rotate", "--config", config, "--root");
        var second = await MeshProcess.RunAsync("ca", "rotate", "--config", config, "--intermediate");
        var neither = await MeshProcess.RunAsync("ca", "rotate", "--config", config);
        var status = await MeshProcess.RunAsync("ca", "status", "--config", config, "--json");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("rotation requested: root:requested", first.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("a root rotation is already in progress", second.StdErr, StringComparison.Ordinal);
        Assert.Equal(1, neither.ExitCode);
        Assert.Contains("exactly one of --intermediate or --root", neither.StdErr, StringComparison.Ordinal);
        Assert.True(status.ExitCode == 0, status.ToString());
        using var json = JsonDocument.Parse(status.StdOut);
        var root = json.RootElement;
        Assert.Equal("root:requested", root.GetProperty("rotationState").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("nextPhaseDueAt").ValueKind);
        var roles = root.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("role").GetString()).ToList();
        Assert.Equal(["root", "intermediate"], roles);
        Assert.All(root.GetProperty("certificates").EnumerateArray(), c => Assert.True(c.GetProperty("secondsLeft").GetInt64() > 0));
        Assert.Equal(64, root.GetProperty("certificates")[0].GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public async Task Running_ca_carries_out_a_rotation_requested_by_another_process()
    {
        using var dir = new TempDir();
        var config = Config(dir, "rotation: {pollInterval: 1s}\n");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { MeshProcess.MeshDll, "ca", "serve", "--config", config })
        {
            info.ArgumentList.Add(a);
        }

        using var serve = Process.Start(info)!;
        try
        {
            // Log lines share stdout; the banner says the CA is up.
            string? line;
            do
            {
                line = await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            while (line is not null && !line.StartsWith("CA serving cluster.local", StringComparison.Ordinal));

            Assert.NotNull(line);
            _ = serve.StandardOutput.ReadToEndAsync();
            var before = File.ReadAllText(Path.Combine(dir.Path, "state", "intermediate-cert.pem"));

            var rotate = await MeshProcess.RunAsync("ca", "rotate", "--config", config, "--intermediate");
            Assert.True(rotate.ExitCode == 0, rotate.ToString());

            // An intermediate rotation needs no publish delay: prepared and active on the next two polls.
            string state = "";
            for (var i = 0; i < 40 && state != "intermediate:active"; i++)
            {
                await Task.Delay(500);
                var status = await MeshProcess.RunAsync("ca", "status", "--config", config, "--json");
                state = JsonDocument.Parse(status.StdOut).RootElement.GetProperty("rotationState").GetString()!;
            }

            Assert.Equal("intermediate:active", state);
            var final = await MeshProcess.RunAsync("ca", "status", "--config", config);
            Assert.Contains("previous-intermediate:", final.StdOutLines);
            Assert.Contains(final.StdOutLines, l => l.StartsWith("rotation: intermediate:active, next phase due ", StringComparison.Ordinal));
            Assert.NotEqual(before, File.ReadAllText(final.StdOutLines.SkipWhile(l => l != "intermediate:").First(l => l.StartsWith("  cert: ", StringComparison.Ordinal))["  cert: ".Length..]));
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }
}
