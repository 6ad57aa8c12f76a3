namespace Mesh.Agent.Tests.Config;

/// <summary>A fresh temporary directory for config and policy files; deleted on dispose.</summary>
internal sealed class ConfigDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mesh-agent-config-").FullName;

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/> (creating folders) and returns the full path.</summary>
    public string Write(string relative, string content)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }
}
