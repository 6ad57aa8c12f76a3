using System.Text;

namespace Mesh.Ca;

/// <summary>Replace-by-rename writes, so a reader (or a restart after a crash) sees the old file or the new one, never half of either.</summary>
internal static class AtomicFile
{
    internal static void Write(string path, string contents, bool ownerOnly = false)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(contents));
            // fsync before the rename: otherwise a crash can leave the new name pointing at an
            // empty file, which for the journal would read as "no CA state".
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
