namespace Mesh.Ca;

/// <summary>
/// Cross-process exclusion for journal writers (the running CA and `mesh ca rotate`). .NET takes
/// flock(LOCK_EX) for FileShare.None on Unix, so a second holder, in this process or another, fails
/// to open and retries. The kernel drops the lock when the holder dies, so a crash cannot wedge it.
/// </summary>
internal sealed class JournalLock : IDisposable
{
    internal const string FileName = "ca-journal.lock";

    private readonly FileStream _stream;

    private JournalLock(FileStream stream) => _stream = stream;

    internal static JournalLock Acquire(string stateDir, TimeSpan timeout)
    {
        var path = Path.Combine(stateDir, FileName);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new JournalLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                throw new CaKeyException($"cannot open {path}: {e.Message}", e);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new CaKeyException($"{path} is held by another process (a running CA or `mesh ca rotate`) for more than {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
