using System.Globalization;

namespace Mesh.Policy.DecisionLog;

/// <summary>
/// The active log file and its rotated segments, <c>&lt;path&gt;.000001</c>, <c>&lt;path&gt;.000002</c>, ...: numbered in
/// the order they were written and never renamed again, so a shell glob (<c>decisions.log.* decisions.log</c>) lists
/// the whole chain in order for <c>mesh audit verify</c>.
/// </summary>
internal sealed class SegmentFiles(string path)
{
    private const string NumberFormat = "D6";

    public string ActivePath => path;

    /// <summary>Rotated segments, oldest first.</summary>
    public IReadOnlyList<string> Rotated()
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var prefix = Path.GetFileName(path) + ".";
        if (!Directory.Exists(dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(dir, prefix + "*")
            .Select(f => (Path: f, Number: NumberOf(Path.GetFileName(f), prefix)))
            .Where(f => f.Number > 0)
            .OrderBy(f => f.Number)
            .Select(f => f.Path)
            .ToList();
    }

    /// <summary>Renames the active file to the next segment number; returns the new name.</summary>
    public string Rotate()
    {
        var rotated = Rotated();
        var prefix = Path.GetFileName(path) + ".";
        var next = rotated.Count == 0 ? 1 : NumberOf(Path.GetFileName(rotated[^1]), prefix) + 1;
        var target = $"{path}.{next.ToString(NumberFormat, CultureInfo.InvariantCulture)}";
        File.Move(path, target, overwrite: false);
        return target;
    }

    /// <summary>Deletes the oldest segments beyond <paramref name="keep"/>; 0 keeps all.</summary>
    public void Prune(int keep)
    {
        if (keep <= 0)
        {
            return;
        }

        var rotated = Rotated();
        for (var i = 0; i < rotated.Count - keep; i++)
        {
            File.Delete(rotated[i]);
        }
    }

    private static long NumberOf(string name, string prefix)
    {
        // The glob "name.*" also matches the active file itself on some platforms.
        if (name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return 0;
        }

        var suffix = name.AsSpan(prefix.Length);
        return suffix.Length > 0 && suffix.IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
