using System.Net.Sockets;
using Mesh.Bench.Load;
using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>Waits for a started chain to work end to end, failing early (with the log) if one of its processes died.</summary>
internal static class Readiness
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The backend's file: exactly 1 KiB.</summary>
    public const string Path = "/index.html";
    public const int BodyBytes = 1024;

    /// <summary>Until GET of the backend's file through <paramref name="port"/> answers 200 with exactly its 1 KiB.</summary>
    public static Task WaitForFileServedAsync(int port, IReadOnlyList<ChildProcess> watch, CancellationToken ct) =>
        WaitForHttpAsync(port, Path, BodyBytes, watch, ct);

    /// <summary>Until GET <paramref name="path"/> answers 200 (with <paramref name="bodyBytes"/> bytes, if given).</summary>
    public static async Task WaitForHttpAsync(int port, string path, int? bodyBytes, IReadOnlyList<ChildProcess> watch, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var request = HttpConnection.GetRequest(port, path);
        var last = "no answer yet";
        while (true)
        {
            ThrowIfAnyExited(watch);
            try
            {
                using var connection = HttpConnection.Connect(Ports.EndPoint(port), TimeSpan.FromSeconds(5));
                connection.Send(request);
                var response = connection.ReadResponse(keepBodyPrefix: true);
                if (response.Status == 200 && (bodyBytes is null || response.BodyLength == bodyBytes))
                {
                    return;
                }
                last = $"HTTP {response.Status}, {response.BodyLength} bytes: {response.BodyPrefix.Trim()}";
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                last = e.Message;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"GET http://{Ports.Host}:{port}{path} did not answer 200{(bodyBytes is null ? "" : $" with {bodyBytes} bytes")} within {Timeout.TotalSeconds:0} s (last: {last}); logs: {string.Join(", ", watch.Select(w => w.LogPath))}");
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    public static async Task WaitForFileAsync(string file, IReadOnlyList<ChildProcess> watch, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!File.Exists(file))
        {
            ThrowIfAnyExited(watch);
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"{file} did not appear within {Timeout.TotalSeconds:0} s; logs: {string.Join(", ", watch.Select(w => w.LogPath))}");
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    public static void ThrowIfAnyExited(IEnumerable<ChildProcess> processes)
    {
        foreach (var p in processes)
        {
            if (p.HasExited)
            {
                throw new BenchException($"{p.Name} (pid {p.Pid}) exited with code {p.ExitCode}; {p.LogPath}:\n{p.Tail()}");
            }
        }
    }
}
