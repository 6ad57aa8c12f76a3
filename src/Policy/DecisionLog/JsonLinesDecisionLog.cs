using System.Security.Cryptography;
using System.Threading.Channels;
using Mesh.Policy.DecisionLog;

namespace Mesh.Policy;

/// <summary>
/// Appends decisions as a hash chain of JSON lines (docs/decision-log.md) from a background writer, so the request
/// path only enqueues. The channel is unbounded on purpose: an audit log that drops records under load is worse than
/// one that uses memory. The writer drains in batches and hands each batch to the kernel at once (a crash of the agent
/// loses nothing written); it forces the file to disk (fsync) at most once per <see cref="SyncInterval"/>, and whenever
/// someone waits in <see cref="FlushAsync"/>, before a rotation, and when the log is closed. An fsync per batch cost
/// ~120 µs and a thread wake-up per HTTP request at low load.
/// JSON escapes control characters inside strings, so a hostile path cannot forge a second line.
/// A failure to open, write, sync or rotate is sticky (<see cref="Failure"/>): later lines would leave a silent gap in
/// the chain, so the agent fails closed or open on it instead, and a restart continues the chain with its gap recorded.
/// </summary>
public sealed class JsonLinesDecisionLog : IDecisionLog, IAsyncDisposable
{
    // Bounds the time between disk flushes while a flood of decisions keeps the channel non-empty.
    private const int MaxBatch = 1024;

    /// <summary>
    /// After the first record of a quiet period the writer waits this long to gather a batch: at a few thousand
    /// decisions a second this turns a writer wake-up and a write per decision into one per batch.
    /// </summary>
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest time a written record may stay only in the page cache (lost only if the machine itself fails).</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly Channel<Entry> channel = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DecisionLogOptions options;
    private readonly SegmentFiles segments;
    private readonly LinkHash link;
    private readonly LineEncoder encoder;
    private readonly ChainHead head;
    private readonly Task writer;
    private FileStream? file;
    private long size;
    private volatile Exception? failure;
    private long lost;
    private int disposed;

    public JsonLinesDecisionLog(string path)
        : this(new DecisionLogOptions { Path = path })
    {
    }

    /// <summary>Opens the log and continues its chain; an I/O error does not throw but leaves the log failed (<see cref="Failure"/>).</summary>
    public JsonLinesDecisionLog(DecisionLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Path);
        this.options = options;
        segments = new SegmentFiles(options.Path);
        link = LinkHash.For(options.HmacKey);
        encoder = new LineEncoder(options.Node);
        ResumePlan? plan = null;
        try
        {
            plan = ChainResume.Plan(segments, link, options.Time.GetUtcNow(), NewChainId);
            file = OpenForAppend(options.Path);
            size = file.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e;
        }

        head = plan?.Head ?? new ChainHead(NewChainId(), 0, "start");
        if (plan is not null && failure is null)
        {
            channel.Writer.TryWrite(new Entry(null, plan.FirstEvent, null));
        }

        writer = Task.Run(WriteLoopAsync);
        if (failure is not null)
        {
            options.OnFailure?.Invoke(failure);
        }
    }

    /// <summary>Set once the log could not be opened, written, synced or rotated; it stays failed.</summary>
    public Exception? Failure => failure;

    /// <summary>Records accepted but not written because the log had failed (at most: part of a failed batch may be on disk).</summary>
    public long Lost => Interlocked.Read(ref lost);

    /// <exception cref="ObjectDisposedException">After <see cref="DisposeAsync"/>: the record could not be kept.</exception>
    public void Write(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!channel.Writer.TryWrite(new Entry(record, null, null)))
        {
            throw new ObjectDisposedException(nameof(JsonLinesDecisionLog));
        }
    }

    /// <exception cref="IOException">The log could not be written; it stays failed, since later lines would leave a silent gap.</exception>
    public Task FlushAsync(CancellationToken ct = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!channel.Writer.TryWrite(new Entry(null, null, done)))
        {
            throw new ObjectDisposedException(nameof(JsonLinesDecisionLog));
        }

        return done.Task.WaitAsync(ct);
    }

    /// <summary>Writes and flushes everything queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        channel.Writer.TryComplete();
        await writer.ConfigureAwait(false);
        try
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (IOException) when (failure is not null)
        {
            // The bytes still buffered are among the lost ones already counted; closing must not fail the agent's shutdown.
        }

        encoder.Dispose();
    }

    /// <summary>Append mode, created 0600: decisions name workloads and paths that only the agent and auditors should read.</summary>
    private static FileStream OpenForAppend(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>16 hex digits from the system's CSPRNG: chains of different agents and restarts never share an id.</summary>
    private static string NewChainId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private async Task WriteLoopAsync()
    {
        var reader = channel.Reader;
        var waiters = new List<TaskCompletionSource>();
        var lastSync = Environment.TickCount64;
        var unsynced = false;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await Task.Delay(GatherDelay).ConfigureAwait(false);
            var written = 0;
            var inFlight = 0;
            try
            {
                while (written < MaxBatch && reader.TryRead(out var entry))
                {
                    if (entry.Flushed is not null)
                    {
                        waiters.Add(entry.Flushed);
                    }
                    else if (failure is not null)
                    {
                        Interlocked.Increment(ref lost);
                    }
                    else
                    {
                        inFlight = 1;
                        var line = entry.Record is not null
                            ? encoder.Encode(head, entry.Record.Time, entry.Record, DecisionLogJsonContext.Default.DecisionRecord)
                            : encoder.Encode(head, entry.Event!.Time, entry.Event, DecisionLogJsonContext.Default.ChainEvent);
                        if (options.MaxBytes > 0 && size > 0 && size + line.Length + 1 > options.MaxBytes)
                        {
                            Rotate();
                            unsynced = false;
                        }

                        file!.Write(line);
                        file.Write(NewLine);
                        size += line.Length + 1;
                        head.Advance(line, link);
                        written++;
                        inFlight = 0;
                    }
                }

                if (failure is null)
                {
                    var sync = waiters.Count > 0 || (unsynced || written > 0) && Environment.TickCount64 - lastSync >= SyncInterval.TotalMilliseconds;
                    file!.Flush(flushToDisk: sync);
                    unsynced = !sync && (unsynced || written > 0);
                    if (sync)
                    {
                        lastSync = Environment.TickCount64;
                    }
                }
            }
            catch (Exception e)
            {
                // Any failure (disk full, rotation, serializer bug) must reach the flush waiters; a dead loop would hang them.
                Interlocked.Add(ref lost, written + inFlight);
                failure = e;
                options.OnFailure?.Invoke(e);
            }

            foreach (var waiter in waiters)
            {
                if (failure is null)
                {
                    waiter.SetResult();
                }
                else
                {
                    waiter.SetException(new IOException("decision log write failed; records may be missing", failure));
                }
            }

            waiters.Clear();
        }

        if (failure is null && unsynced)
        {
            file!.Flush(flushToDisk: true);
        }
    }

    /// <summary>Syncs and closes the active file, renames it to the next segment and opens a new one; the chain runs on.</summary>
    private void Rotate()
    {
        file!.Flush(flushToDisk: true);
        file.Dispose();
        file = null;
        segments.Rotate();
        file = OpenForAppend(options.Path);
        size = file.Length;
        segments.Prune(options.Keep);
    }

    /// <summary>A record, a chain event, or a flush marker to complete once what precedes it is on disk.</summary>
    private readonly record struct Entry(DecisionRecord? Record, ChainEvent? Event, TaskCompletionSource? Flushed);
}
