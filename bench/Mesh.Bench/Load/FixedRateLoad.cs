using System.Diagnostics;
using System.Net.Sockets;
using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Load;

/// <summary>
/// Open-loop, fixed-rate HTTP/1.1 load: request i is due at start + i / rate, whatever happened to earlier ones,
/// spread round robin over a few keep-alive connections (one thread each, blocking sockets). Latency runs from
/// the time a request was *due*, not from when it could be sent, so a stalled connection shows up in the
/// percentiles instead of silently lowering the rate (coordinated omission, as wrk2 corrects it).
/// </summary>
internal static class FixedRateLoad
{
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(5);

    public sealed record Result(
        int Scheduled,
        int Completed,
        long Non2xx,
        long Errors,
        string? FirstError,
        LatencyRecorder Latency,
        LatencyRecorder SendLateness,
        double Seconds)
    {
        public double AchievedRate => Seconds > 0 ? Completed / Seconds : 0;
    }

    public static Result Run(int port, string path, int rate, int connections, TimeSpan duration, CancellationToken ct)
    {
        if (Stopwatch.Frequency != 1_000_000_000)
        {
            throw new BenchException($"Stopwatch ticks are not CLOCK_MONOTONIC nanoseconds here (frequency {Stopwatch.Frequency}); the generator needs Linux");
        }
        var total = (int)(rate * duration.TotalSeconds);
        var intervalNs = 1e9 / rate;
        var request = HttpConnection.GetRequest(port, path);
        var workers = Enumerable.Range(0, connections).Select(_ => new Worker()).ToArray();
        // Connections open before the clock starts, so the first requests do not pay for the TCP handshake.
        var start = Stopwatch.GetTimestamp() + 200_000_000L;
        var hardStop = start + (long)(duration.TotalSeconds * 1e9) + 10_000_000_000L;
        var threads = workers.Select((w, c) => new Thread(() => w.Loop(port, request, c, connections, total, start, intervalNs, hardStop, ct))
        {
            IsBackground = true,
            Name = $"fixed-rate-{c}",
        }).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join(duration + TimeSpan.FromSeconds(20));
        }
        var end = workers.Max(w => w.LastCompletion);
        return new Result(
            total,
            workers.Sum(w => w.Completed),
            workers.Sum(w => w.Non2xx),
            workers.Sum(w => w.Errors),
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null),
            LatencyRecorder.Merge(workers.Select(w => w.Latency)),
            LatencyRecorder.Merge(workers.Select(w => w.Lateness)),
            Math.Max(0, end - start) / 1e9);
    }

    private sealed class Worker
    {
        public LatencyRecorder Latency { get; } = new();
        public LatencyRecorder Lateness { get; } = new();
        public int Completed { get; private set; }
        public long Non2xx { get; private set; }
        public long Errors { get; private set; }
        public string? FirstError { get; private set; }
        public long LastCompletion { get; private set; }

        public void Loop(int port, byte[] request, int first, int step, int total, long start, double intervalNs, long hardStop, CancellationToken ct)
        {
            Native.TightenTimerSlackForThisThread();
            HttpConnection? connection = null;
            try
            {
                connection = TryConnect(port);
                for (var i = first; i < total && !ct.IsCancellationRequested; i += step)
                {
                    var due = start + (long)(i * intervalNs);
                    if (Stopwatch.GetTimestamp() > hardStop)
                    {
                        Fail($"stopped at the time limit with requests still due (request {i} of {total})");
                        break;
                    }
                    Native.SleepUntil(due);
                    var sent = Stopwatch.GetTimestamp();
                    Lateness.Record(sent - due);
                    try
                    {
                        connection ??= HttpConnection.Connect(Ports.EndPoint(port), IoTimeout);
                        connection.Send(request);
                        var response = connection.ReadResponse();
                        var done = Stopwatch.GetTimestamp();
                        Latency.Record(done - due);
                        LastCompletion = done;
                        Completed++;
                        if (response.Status is < 200 or > 299)
                        {
                            Non2xx++;
                        }
                        if (!response.KeepAlive)
                        {
                            connection.Dispose();
                            connection = null;
                        }
                    }
                    catch (Exception e) when (e is IOException or SocketException)
                    {
                        Fail(e.Message);
                        connection?.Dispose();
                        connection = null;
                    }
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }

        private HttpConnection? TryConnect(int port)
        {
            try
            {
                return HttpConnection.Connect(Ports.EndPoint(port), IoTimeout);
            }
            catch (SocketException)
            {
                // The first request retries the connection and counts the failure if it persists.
                return null;
            }
        }

        private void Fail(string message)
        {
            Errors++;
            FirstError ??= message;
        }
    }
}
