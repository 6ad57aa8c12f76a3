using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// One way of getting from the load generator to the backend nginx. A scenario starts its proxies (the backend
/// is started by the runner), waits until a request passes end to end, and says which processes to measure.
/// </summary>
internal interface IScenario
{
    string Name { get; }

    /// <summary>Settings worth trying on this machine; the first is the default. Tuning picks the fastest once per run.</summary>
    IReadOnlyList<Variant> Candidates { get; }

    Task<RunningScenario> StartAsync(ScenarioContext context, Variant variant, CancellationToken ct);
}

/// <summary>A proxy setting: worker processes or threads, and for HAProxy's HTTP mode the protocol between the peers.</summary>
internal sealed record Variant(string Label, int Workers = 0, string? PeerProtocol = null)
{
    public static Variant AsBuilt { get; } = new("as built");
}

/// <summary>What a scenario needs: its own directory, the shared certificates, the `mesh` binary.</summary>
internal sealed record ScenarioContext(string Dir, Pki Pki, string MeshBinary, string WwwRoot);

/// <summary>A process to measure, with its side of the tunnel ("client" or "server").</summary>
internal sealed record ProxyProcess(string Role, ChildProcess Process);

/// <summary>The exact commands and config files a scenario ran with, recorded in the JSON for review.</summary>
internal sealed record ScenarioSetup(string Variant, IReadOnlyList<string> Commands, IReadOnlyDictionary<string, string> Configs);

/// <summary>A started scenario: where the load generator connects, what to measure. Disposing stops its processes by pid.</summary>
internal sealed class RunningScenario(int entryPort, IReadOnlyList<ProxyProcess> proxies, IReadOnlyList<ChildProcess> processes, ScenarioSetup setup) : IAsyncDisposable
{
    public int EntryPort => entryPort;
    public IReadOnlyList<ProxyProcess> Proxies => proxies;
    public IReadOnlyList<ChildProcess> Processes => processes;
    public ScenarioSetup Setup => setup;

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
