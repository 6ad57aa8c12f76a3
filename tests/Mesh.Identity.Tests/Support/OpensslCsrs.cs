namespace Mesh.Identity.Tests;

/// <summary>CSRs made by `openssl req`, so the reader is tested on another implementation's DER, not only on .NET's.</summary>
internal static class OpensslCsrs
{
    /// <summary>`openssl req -new -newkey KEY [options] -subj /CN=x`; returns the PEM.</summary>
    internal static string Create(string newKey, params string[] options)
    {
        using var dir = new TempDir();
        string[] args = ["req", "-new", "-newkey", newKey, "-nodes", "-keyout", dir.File("key.pem"), "-subj", "/CN=x", "-out", dir.File("csr.pem"), .. options];
        var (exit, output) = Openssl.Run(args);
        Assert.True(exit == 0, $"openssl {string.Join(' ', args)} failed: {output}");
        return File.ReadAllText(dir.File("csr.pem"));
    }

    internal static string Ec(string curve, params string[] options) =>
        Create("ec", ["-pkeyopt", "ec_paramgen_curve:" + curve, .. options]);
}
