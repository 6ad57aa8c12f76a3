using System.Diagnostics;

namespace Mesh.Bench.Processes;

/// <summary>
/// A process the harness started, its stdout and stderr in a log file. Stopping is by pid only: SIGTERM to the
/// process, then SIGKILL to whatever of its tree (as seen just before) is still alive after a grace period.
/// Every instance is registered with <see cref="ProcessTracker"/> until it is stopped.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private int _stopped;
    private IReadOnlyList<ProcStats.ProcessId> _knownTree = [];

    private ChildProcess(string name, Process process, StreamWriter log, string logPath, string commandLine)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
        CommandLine = commandLine;
        Pid = process.Id;
    }

    public string Name { get; }
    public int Pid { get; }
    public string LogPath { get; }
    public string CommandLine { get; }
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, string logPath,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
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
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        var commandLine = string.Join(' ', new[] { fileName }.Concat(info.ArgumentList).Select(Quote));
        lock (log)
        {
            log.WriteLine($"$ {commandLine}");
        }
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Dispose();
            process.Dispose();
            throw new BenchException($"cannot start {name} ({fileName}): {e.Message}");
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new ChildProcess(name, process, log, logPath, commandLine);
        ProcessTracker.Add(child);
        return child;
    }

    /// <summary>Waits for exit up to <paramref name="timeout"/>; true if it exited.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The last lines of the log, for error messages.</summary>
    public string Tail(int lines = 12)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Remembers the current descendants (nginx workers), so that they are stopped even if their master dies
    /// first and they are re-parented away from it.
    /// </summary>
    public void RememberDescendants() => _knownTree = ProcStats.Tree(Pid);

    /// <summary>Stops the process and its descendants by pid. Safe to call more than once and from any thread.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        try
        {
            var tree = (_process.HasExited ? [] : ProcStats.Tree(Pid)).Union(_knownTree).ToList();
            if (!_process.HasExited)
            {
                Native.Signal(Pid, Native.SigTerm);
                if (!_process.WaitForExit(StopGrace))
                {
                    Native.Signal(Pid, Native.SigKill);
                    _process.WaitForExit(StopGrace);
                }
            }
            // nginx workers normally leave with their master; any that did not (a killed master) are stopped here,
            // each checked to be the same process that was in the tree, not a reused pid.
            foreach (var p in tree.Where(p => p.Pid != Pid && ProcStats.IsAlive(p)))
            {
                Native.Signal(p.Pid, Native.SigKill);
            }
            _process.WaitForExit(StopGrace);
        }
        finally
        {
            ProcessTracker.Remove(this);
            lock (_log)
            {
                _log.Dispose();
            }
            _process.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        // Stop blocks for at most a few seconds; run it off the caller's thread.
        return new ValueTask(Task.Run(Stop));
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            if (log.BaseStream is { CanWrite: true })
            {
                log.WriteLine(line);
            }
        }
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal)) ? arg : $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
