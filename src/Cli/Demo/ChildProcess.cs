using System.Diagnostics;

namespace Mesh.Cli.Demo;

/// <summary>A `mesh` subcommand run as a child process, its output in a log file; killed (with its tree) on dispose.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string LogPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static ChildProcess StartMesh(string logPath, params string[] args)
    {
        var info = new ProcessStartInfo
        {
            FileName = MeshExecutable.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in MeshExecutable.PrefixArgs)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, log, logPath);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.WriteLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}

/// <summary>How to start this same program again: the apphost directly, or `dotnet mesh.dll`.</summary>
internal static class MeshExecutable
{
    public static string Path { get; } = Environment.ProcessPath ?? "dotnet";

    public static IReadOnlyList<string> PrefixArgs { get; } =
        System.IO.Path.GetFileNameWithoutExtension(Path) == "dotnet" ? [System.IO.Path.Combine(AppContext.BaseDirectory, "mesh.dll")] : [];
}
