using System.Diagnostics;

namespace Mesh.Identity.Tests;

internal static class Openssl
{
    internal const string Path = "/usr/bin/openssl";

    internal static (int ExitCode, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit(30_000);
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
