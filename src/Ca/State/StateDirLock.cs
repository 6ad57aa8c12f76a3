namespace Mesh.Ca;

/// <summary>
/// Cross-process exclusion for read-modify-write of a state-dir file (the rotation journal, join tokens, the token-use
/// ledger) between the running CA and `mesh ca` commands. .NET takes flock(LOCK_EX) for FileShare.None on Unix, so a
/// second holder, in this process or another, fails to open and retries. The kernel drops the lock when the holder
/// dies, so a crash cannot wedge it.
/// </summary>
internal sealed class StateDirLock : IDisposable
{
    internal const string Journal = "ca-journal.lock";
    internal const string JoinTokens = "join-tokens.lock";
    internal const string TokenUses = "token-uses.lock";

    private readonly FileStream _stream;

    private StateDirLock(FileStream stream) => _stream = stream;

    internal static StateDirLock Acquire(string stateDir, string lockName, TimeSpan timeout)
    {
        var path = Path.Combine(stateDir, lockName);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new StateDirLock(new FileStream(path, options));
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
                throw new CaKeyException($"{path} is held by another process (a running CA or a `mesh ca` command) for more than {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
