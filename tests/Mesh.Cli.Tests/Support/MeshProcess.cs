using System.Diagnostics;

namespace Mesh.Cli.Tests.Support;

/// <summary>Runs the real built `mesh` program (`dotnet mesh.dll ...`) as a child process, as a user would.</summary>
internal static class MeshProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string[] StdOutLines => Lines(StdOut);
        public string[] StdErrLines => Lines(StdErr);

        private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n') is { Length: > 0 } t ? t.Split('\n') : [];

        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
    }

    /// <summary>The project references src/Cli, so the build copies mesh.dll next to the test assembly.</summary>
    public static string MeshDll { get; } = Path.Combine(AppContext.BaseDirectory, "mesh.dll");

    public static async Task<Result> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        Assert.True(File.Exists(MeshDll), $"{MeshDll} is missing; the test project must reference src/Cli");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Not the test's bin directory: paths in the output must not depend on where mesh was started.
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(MeshDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"mesh {string.Join(' ', args)} did not exit within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds} s\n{await stdout}\n{await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(args, stdin: null);
}
