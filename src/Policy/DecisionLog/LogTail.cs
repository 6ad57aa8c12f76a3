namespace Mesh.Policy.DecisionLog;

/// <summary>
/// The end of a log file: its last two complete lines and any bytes after the last newline (a torn line, left by a
/// crash in the middle of a write). Reads at most <see cref="MaxTail"/> bytes from the end.
/// </summary>
internal sealed record LogTail(byte[]? LastLine, byte[]? LineBefore, byte[] Torn)
{
    /// <summary>A record is far smaller (Kestrel limits request lines to 8 KiB); a longer line is not one of ours.</summary>
    public const int MaxTail = 1 << 20;

    public static LogTail Read(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = stream.Length;
        var take = (int)Math.Min(length, MaxTail);
        stream.Seek(length - take, SeekOrigin.Begin);
        var bytes = new byte[take];
        stream.ReadExactly(bytes);
        var startsAtFileStart = take == length;

        var end = Array.LastIndexOf(bytes, (byte)'\n');
        var torn = bytes[(end + 1)..];
        if (end < 0)
        {
            return new LogTail(null, null, torn);
        }

        var lastStart = end == 0 ? 0 : Array.LastIndexOf(bytes, (byte)'\n', end - 1) + 1;
        if (lastStart == 0 && !startsAtFileStart)
        {
            return new LogTail(null, null, torn);
        }

        var last = bytes[lastStart..end];
        byte[]? before = null;
        if (lastStart > 0)
        {
            var beforeStart = lastStart == 1 ? 0 : Array.LastIndexOf(bytes, (byte)'\n', lastStart - 2) + 1;
            if (beforeStart > 0 || startsAtFileStart)
            {
                before = bytes[beforeStart..(lastStart - 1)];
            }
        }

        return new LogTail(last, before, torn);
    }
}
