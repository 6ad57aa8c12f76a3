namespace Mesh.Bench.Scenarios;

/// <summary>The scenario names; anything else on the command line is an error.</summary>
internal static class ScenarioNames
{
    public const string Direct = "direct";
    public const string HaproxyTcp = "haproxy-tcp";
    public const string HaproxyHttp = "haproxy-http";
    public const string NginxStream = "nginx-stream";
    public const string MeshTcp = "mesh-tcp";
    public const string MeshHttp = "mesh-http";

    public static IReadOnlyList<string> All { get; } = [Direct, HaproxyTcp, HaproxyHttp, NginxStream, MeshTcp, MeshHttp];

    /// <summary>The scenarios Mesh.Security is compared with, pair by pair.</summary>
    public static IReadOnlyList<string> Peers { get; } = [HaproxyTcp, HaproxyHttp, NginxStream];

    public static IReadOnlyList<string> Mesh { get; } = [MeshTcp, MeshHttp];
}
