namespace Mesh.Ca;

/// <summary>Whole-file replacement that a crash cannot tear: write a temp file (0600), fsync it, rename over the old one.</summary>
internal static class StateFiles
{
    internal static void WriteAtomically(string path, string contents)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            using var writer = new StreamWriter(stream);
            writer.Write(contents);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
