using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Private keys at rest: 0600 from open(2), optionally encrypted, and never silently replaced.</summary>
public sealed class KeyEncryptionTests
{
    private static readonly string[] KeyFiles = ["root-key.pem", "intermediate-key.pem"];

    [Fact]
    public async Task Encrypted_keys_round_trip_across_a_restart_and_openssl_reads_them_with_the_passphrase()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("passphrase"), "correct horse battery staple\n");
        Func<CaOptions, CaOptions> encrypted = o => o with { KeyPassphrase = new KeyPassphraseSource(dir.File("passphrase"), null) };
        string thumbprint;
        await using (var first = await CaHarness.StartAsync(dir.File("state"), configure: encrypted))
        {
            thumbprint = first.Server.Keyring.Current.Signer.Thumbprint;
        }

        await using var second = await CaHarness.StartAsync(dir.File("state"), configure: encrypted);

        Assert.Equal(thumbprint, second.Server.Keyring.Current.Signer.Thumbprint);
        foreach (var name in KeyFiles)
        {
            var path = Path.Combine(dir.File("state"), name);
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
            AssertOwnerOnly(path);
            var (exit, output) = Openssl.Run("pkey", "-in", path, "-passin", "pass:correct horse battery staple", "-noout", "-text");
            Assert.True(exit == 0, output);
            Assert.Contains("prime256v1", output, StringComparison.Ordinal);
            var (asn1Exit, asn1) = Openssl.Run("asn1parse", "-in", path);
            Assert.True(asn1Exit == 0, asn1);
            Assert.Contains("aes-256-cbc", asn1, StringComparison.Ordinal);
            Assert.Contains("hmacWithSHA256", asn1, StringComparison.Ordinal);
            Assert.Contains($"INTEGER           :{PrivateKeyFile.Pbkdf2Iterations:X6}", asn1, StringComparison.Ordinal); // 600000 = 0x0927C0
        }

        using var client = second.Client();
        Assert.Equal(CaHarness.Frontend, (await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Passphrase_from_an_environment_variable()
    {
        using var dir = new TempDir();
        var variable = "MESH_TEST_CA_PASS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "from-the-environment");
        try
        {
            await using var ca = await CaHarness.StartAsync(dir.Path, configure: o => o with { KeyPassphrase = new KeyPassphraseSource(null, variable) });

            var (exit, output) = Openssl.Run("pkey", "-in", dir.File("intermediate-key.pem"), "-passin", "pass:from-the-environment", "-noout");
            Assert.True(exit == 0, output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    public static TheoryData<string, string> BadPassphrases => new()
    {
        { "wrong passphrase", "the keyPassphrase is wrong" },
        { "no passphrase configured", "is encrypted; set keyPassphrase" },
        { "unset environment variable", "is not set or empty" },
        { "missing passphrase file", "keyPassphrase: cannot read" },
    };

    [Theory]
    [MemberData(nameof(BadPassphrases))]
    public async Task Bad_passphrase_is_a_startup_error_and_no_key_is_replaced(string scenario, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("passphrase"), "the-right-one");
        await (await CaHarness.StartAsync(dir.File("state"), configure: o => o with { KeyPassphrase = new KeyPassphraseSource(dir.File("passphrase"), null) })).DisposeAsync();
        var before = Snapshot(dir.File("state"));
        File.WriteAllText(dir.File("wrong"), "not-the-right-one");
        KeyPassphraseSource? source = scenario switch
        {
            "wrong passphrase" => new KeyPassphraseSource(dir.File("wrong"), null),
            "no passphrase configured" => null,
            "unset environment variable" => new KeyPassphraseSource(null, "MESH_TEST_UNSET_" + Guid.NewGuid().ToString("N")),
            "missing passphrase file" => new KeyPassphraseSource(dir.File("nope"), null),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var ex = await Assert.ThrowsAsync<CaKeyException>(() => CaHarness.StartAsync(dir.File("state"), configure: o => o with { KeyPassphrase = source }));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(dir.File("state")));
    }

    [Fact]
    public async Task Unencrypted_keys_are_0600_pkcs8()
    {
        await using var ca = await CaHarness.StartAsync();
        foreach (var name in KeyFiles)
        {
            var path = Path.Combine(ca.Options.StateDir, name);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
            AssertOwnerOnly(path);
        }
    }

    private static void AssertOwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    /// <summary>Every state file except the audit log (which the failed start may append to), with its contents.</summary>
    private static string Snapshot(string stateDir) => string.Join("\n", Directory.GetFiles(stateDir)
        .Where(f => !f.EndsWith(".log", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(f => Path.GetFileName(f) + "=" + File.ReadAllText(f)));
}
