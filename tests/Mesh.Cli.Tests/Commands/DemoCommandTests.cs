using System.Text;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh demo` end to end: a real CA, two real agents and a backend, all as processes on loopback.</summary>
public sealed class DemoCommandTests
{
    private const string FilesIn = "files in ";

    [Fact]
    public async Task Demo_passes_all_four_checks_and_leaves_no_files_or_processes_behind()
    {
        var result = await MeshProcess.RunAsync(["demo"], timeout: TimeSpan.FromSeconds(60));

        var first = result.StdOutLines.FirstOrDefault() ?? "";
        var at = first.IndexOf(FilesIn, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the first line names the demo's directory:\n{result}");
        var dir = first[(at + FilesIn.Length)..].Trim();
        Assert.True(Path.IsPathFullyQualified(dir), $"'{dir}' is not a full path");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(4, result.StdOutLines.Count(l => l.Trim() == "PASS"));
        Assert.DoesNotContain("FAIL", result.StdOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir), $"{dir} still exists");
        var leftovers = ProcessesMentioning(dir);
        Assert.True(leftovers.Count == 0, "still running: " + string.Join("; ", leftovers));
    }

    /// <summary>Command lines of running processes that contain <paramref name="text"/> (the demo starts its children with config paths in its directory).</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(proc, "cmdline"))).Replace('\0', ' ');
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {cmdline.Trim()}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }
}
