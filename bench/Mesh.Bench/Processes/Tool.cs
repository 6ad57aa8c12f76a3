using System.Diagnostics;

namespace Mesh.Bench.Processes;

/// <summary>Runs a short command to completion (openssl, version queries, `mesh ca token`) with a time limit.</summary>
internal static class Tool
{
    public sealed record Output(int ExitCode, string StdOut, string StdErr)
    {
        public string Combined => (StdOut + "\n" + StdErr).Trim();
    }

    public static async Task<Output> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new Output(-1, "", $"cannot run {fileName}: {e.Message}");
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // By pid: this is the process we just started.
            Native.Signal(process.Id, Native.SigKill);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return new Output(-1, await stdout.ConfigureAwait(false), $"{fileName} did not finish within {timeout.TotalSeconds:0} s");
        }
        return new Output(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs and throws <see cref="BenchException"/> with the tool's output if it fails.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> args, CancellationToken ct, string? workingDirectory = null)
    {
        var argList = args.ToList();
        var output = await RunAsync(fileName, argList, TimeSpan.FromSeconds(60), ct, workingDirectory).ConfigureAwait(false);
        if (output.ExitCode != 0)
        {
            throw new BenchException($"`{fileName} {string.Join(' ', argList)}` failed ({output.ExitCode}): {output.Combined}");
        }
        return output.StdOut;
    }
}
