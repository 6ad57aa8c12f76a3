using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// A running tcpdump inside a topology namespace, writing TCP packets to a temporary pcap file. Start it with
/// <see cref="MeshTopology.StartCaptureAsync"/>; <see cref="StopAsync"/> ends it and returns what it saw.
/// </summary>
internal sealed partial class PacketCapture : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    // Packets seen just before the stop can still be on their way through the kernel to tcpdump.
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(300);

    private const int SigInt = 2;

    private readonly Process _process;
    private readonly DirectoryInfo _dir;
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopped;

    private PacketCapture(Process process, DirectoryInfo dir, TopologyNetns ns, string iface)
    {
        (_process, _dir, Namespace, Interface) = (process, dir, ns, iface);
    }

    /// <summary>Where the capture runs.</summary>
    public TopologyNetns Namespace { get; }

    /// <summary>The interface captured, inside <see cref="Namespace"/>.</summary>
    public string Interface { get; }

    private string File => Path.Combine(_dir.FullName, "capture.pcap");

    /// <summary>Null, with the reason, when tcpdump is not installed.</summary>
    public static string? WhyUnavailable() =>
        new[] { "/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/sbin/tcpdump" }.Any(System.IO.File.Exists)
            ? null
            : "tcpdump is not installed (apt-get install tcpdump); .ci/run installs it";

    /// <summary>Starts tcpdump and returns once it reports that it is capturing (at most 10 s).</summary>
    internal static async Task<PacketCapture> StartAsync(TopologyNetns ns, string iface)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-capture-");
        // ip netns exec execs tcpdump in place, so the process is tcpdump itself and SIGINT reaches it.
        // -U: write each packet as it comes; --immediate-mode: no buffering in the kernel ring either;
        // -Z root: tcpdump would otherwise drop to its own user before opening the file in our root-owned directory.
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns.Name, "tcpdump", "-i", iface, "-U", "--immediate-mode", "-n", "-s", "0", "-Z", "root", "-w", Path.Combine(dir.FullName, "capture.pcap"), "tcp" })
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var capture = new PacketCapture(process, dir, ns, iface);
        process.ErrorDataReceived += (_, e) => capture.OnStderr(e.Data);
        process.OutputDataReceived += (_, _) => { };
        process.Exited += (_, _) => capture._listening.TrySetException(new InvalidOperationException($"tcpdump in {ns.Name} exited: {capture.Stderr}"));
        try
        {
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            await capture._listening.Task.WaitAsync(StartTimeout);
            return capture;
        }
        catch (Exception e)
        {
            await capture.DisposeAsync();
            throw e is TimeoutException
                ? new TimeoutException($"tcpdump in {ns.Name} on {iface} did not say \"listening on\" within {StartTimeout.TotalSeconds} s: {capture.Stderr}", e)
                : e;
        }
    }

    /// <summary>
    /// Stops tcpdump (SIGINT, then a kill after 5 s) and returns the TCP segments it captured. Call it after the traffic
    /// of interest has completed; it waits 300 ms first so the last packets reach the file.
    /// </summary>
    public async Task<CapturedTraffic> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            throw new InvalidOperationException("this capture was already stopped");
        }
        await Task.Delay(SettleDelay);
        await EndProcessAsync();
        try
        {
            var bytes = await System.IO.File.ReadAllBytesAsync(File);
            return new CapturedTraffic(PcapReader.Read(bytes));
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            throw new InvalidOperationException($"reading the capture of {Interface} in {Namespace.Name}: {e.Message}; tcpdump said: {Stderr}", e);
        }
        finally
        {
            DeleteDirectory();
        }
    }

    /// <summary>Ends tcpdump if still running and deletes the file; what it captured is lost.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        await EndProcessAsync();
        DeleteDirectory();
        _process.Dispose();
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join(" | ", _stderr);
            }
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_stderr)
        {
            _stderr.Add(line);
        }
        if (line.Contains("listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    private async Task EndProcessAsync()
    {
        try
        {
            if (_process.HasExited)
            {
                return;
            }
            _ = Kill(_process.Id, SigInt);
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    private void DeleteDirectory()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Already gone.
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
