namespace Mesh.Ca;

/// <summary>
/// An exclusive lock between processes on the same host (the CA and <c>mesh ca</c> commands): a lock file held open
/// with no sharing. Read-modify-write of a state file happens under it.
/// </summary>
internal sealed class StateFileLock : IDisposable
{
    private readonly FileStream _stream;

    private StateFileLock(FileStream stream) => _stream = stream;

    internal static StateFileLock Acquire(string path, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        while (true)
        {
            try
            {
                return new StateFileLock(new FileStream(path, options));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
