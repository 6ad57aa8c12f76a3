using System.Text.Json;
using System.Threading.Channels;

namespace Mesh.Policy;

/// <summary>
/// Appends decisions as JSON lines from a background writer, so the request path only enqueues.
/// The channel is unbounded on purpose: an audit log that drops records under load is worse than
/// one that uses memory. The writer drains in batches and hands each batch to the kernel at once
/// (a crash of the agent loses nothing written); it forces the file to disk (fsync) at most once per
/// <see cref="SyncInterval"/>, and whenever someone waits in <see cref="FlushAsync"/> or the log is
/// closed. An fsync per batch cost ~120 µs and a thread wake-up per HTTP request at low load.
/// JSON escapes control characters inside strings, so a hostile path cannot forge a second line.
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
    private readonly FileStream file;
    private readonly Task writer;
    private Exception? failure;
    private int disposed;

    public JsonLinesDecisionLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        file = OpenForAppend(path);
        writer = Task.Run(WriteLoopAsync);
    }

    /// <exception cref="ObjectDisposedException">After <see cref="DisposeAsync"/>: the record could not be kept.</exception>
    public void Write(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!channel.Writer.TryWrite(new Entry(record, null)))
        {
            throw new ObjectDisposedException(nameof(JsonLinesDecisionLog));
        }
    }

    /// <exception cref="IOException">The log could not be written; it stays failed, since later lines would leave a silent gap.</exception>
    public Task FlushAsync(CancellationToken ct = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!channel.Writer.TryWrite(new Entry(null, done)))
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
        await file.DisposeAsync().ConfigureAwait(false);
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

    private async Task WriteLoopAsync()
    {
        var reader = channel.Reader;
        var waiters = new List<TaskCompletionSource>();
        var lastSync = Environment.TickCount64;
        var unsynced = false;
        using var json = new Utf8JsonWriter(file);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await Task.Delay(GatherDelay).ConfigureAwait(false);
            var written = 0;
            try
            {
                while (written < MaxBatch && reader.TryRead(out var entry))
                {
                    if (entry.Flushed is not null)
                    {
                        waiters.Add(entry.Flushed);
                    }
                    else if (failure is null)
                    {
                        JsonSerializer.Serialize(json, entry.Record!, DecisionLogJsonContext.Default.DecisionRecord);
                        json.Flush();
                        json.Reset();
                        file.Write(NewLine);
                        written++;
                    }
                }

                if (failure is null)
                {
                    var sync = waiters.Count > 0 || (unsynced || written > 0) && Environment.TickCount64 - lastSync >= SyncInterval.TotalMilliseconds;
                    file.Flush(flushToDisk: sync);
                    unsynced = !sync && (unsynced || written > 0);
                    if (sync)
                    {
                        lastSync = Environment.TickCount64;
                    }
                }
            }
            catch (Exception e)
            {
                // Any failure (disk full, serializer bug) must reach the flush waiters; a dead loop would hang them.
                failure = e;
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
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Either a record to write or a flush marker to complete once what precedes it is on disk.</summary>
    private readonly record struct Entry(DecisionRecord? Record, TaskCompletionSource? Flushed);
}
