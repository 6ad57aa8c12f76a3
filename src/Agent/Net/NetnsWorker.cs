using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Agent.Net;

/// <summary>
/// A dedicated thread that has entered one network namespace (setns(2) on the path, e.g. /var/run/netns/NAME or
/// /proc/PID/ns/net) and makes sockets there. A socket stays in the namespace it was made in, so the caller uses it
/// from any thread afterwards; only this thread ever changes namespace, never a pool thread (ztunnel's in-pod mode
/// works the same way).
/// </summary>
internal sealed partial class NetnsWorker : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    private NetnsWorker(string path, Thread thread)
    {
        Path = path;
        _thread = thread;
    }

    /// <summary>The namespace's path as configured.</summary>
    public string Path { get; }

    /// <summary>Starts the thread and enters the namespace; throws with the reason when it cannot.</summary>
    public static NetnsWorker Start(string path)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        NetnsWorker? worker = null;
        var thread = new Thread(() => Run(path, entered, () => worker!)) { IsBackground = true, Name = "netns " + path };
        worker = new NetnsWorker(path, thread);
        thread.Start();
        try
        {
            entered.Task.GetAwaiter().GetResult();
        }
        catch
        {
            thread.Join();
            throw;
        }
        return worker;
    }

    /// <summary>Runs <paramref name="make"/> inside the namespace (on the worker's thread) and returns its result.</summary>
    public Task<T> RunAsync<T>(Func<T> make)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    done.SetResult(make());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            });
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            done.SetException(new ObjectDisposedException(nameof(NetnsWorker), $"the worker for {Path} has stopped"));
        }
        return done.Task;
    }

    private static void Run(string path, TaskCompletionSource entered, Func<NetnsWorker> self)
    {
        try
        {
            using (var ns = File.OpenHandle(path))
            {
                if (SetNs(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new IOException($"cannot enter network namespace {path}: {new SocketException(Marshal.GetLastPInvokeError()).Message}");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            entered.SetException(e is IOException && e.Message.StartsWith("cannot enter", StringComparison.Ordinal)
                ? e : new IOException($"cannot open network namespace {path}: {e.Message}", e));
            return;
        }
        entered.SetResult();
        foreach (var work in self()._work.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _work.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
