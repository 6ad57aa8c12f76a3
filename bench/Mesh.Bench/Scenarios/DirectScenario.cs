using Mesh.Bench.Orchestration;

namespace Mesh.Bench.Scenarios;

/// <summary>`direct`: the load generator talks to the backend nginx itself; the ceiling for every other scenario.</summary>
internal sealed class DirectScenario : IScenario
{
    public string Name => ScenarioNames.Direct;

    public IReadOnlyList<Variant> Candidates { get; } = [new Variant("no proxy")];

    public Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, CancellationToken ct) =>
        Task.FromResult(new RunningScenario(Ports.Backend, [], [], new ScenarioSetup(variant.Label, [], new Dictionary<string, string>())));
}
