using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Bench.Results;

/// <summary>
/// Writes bench/results/&lt;id&gt;.md and .json and copies them to latest.md and latest.json. Each file is written
/// as a .tmp and renamed, so a reader (or an interrupted run) never sees half a file.
/// </summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static (string Markdown, string JsonPath) Write(string resultsDir, RunReport report)
    {
        Directory.CreateDirectory(resultsDir);
        var markdown = MarkdownReport.Render(report);
        var json = JsonSerializer.Serialize(report, Json);
        var mdPath = Path.Combine(resultsDir, $"{report.Id}.md");
        var jsonPath = Path.Combine(resultsDir, $"{report.Id}.json");
        WriteAtomically(mdPath, markdown);
        WriteAtomically(jsonPath, json);
        WriteAtomically(Path.Combine(resultsDir, "latest.md"), markdown);
        WriteAtomically(Path.Combine(resultsDir, "latest.json"), json);
        return (mdPath, jsonPath);
    }

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
