namespace Mesh.Bench.Scenarios;

/// <summary>Name to scenario; names are validated when the options are parsed.</summary>
internal static class ScenarioCatalog
{
    public static IScenario Create(string name) => name switch
    {
        ScenarioNames.Direct => new DirectScenario(),
        ScenarioNames.HaproxyTcp => new HaproxyScenario(HaproxyConfigs.Tcp),
        ScenarioNames.HaproxyHttp => new HaproxyScenario(HaproxyConfigs.Http),
        ScenarioNames.NginxStream => new NginxStreamScenario(),
        ScenarioNames.MeshTcp => new MeshScenario("tcp"),
        ScenarioNames.MeshHttp => new MeshScenario("http"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown scenario"),
    };
}
