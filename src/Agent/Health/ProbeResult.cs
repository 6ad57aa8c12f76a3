namespace Mesh.Agent.Health;

/// <summary>What one health probe concluded: healthy or not, and in words why (for logs and the admin pages).</summary>
internal readonly record struct ProbeResult(bool Healthy, string Detail)
{
    public static ProbeResult Pass(string detail) => new(true, detail);

    public static ProbeResult Fail(string detail) => new(false, detail);
}
