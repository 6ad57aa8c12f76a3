using Mesh.Bench.Processes;
using Mesh.Bench.Scenarios;

namespace Mesh.Bench.Orchestration;

/// <summary>
/// One scenario's lifetime: ports free, backend nginx up, the scenario's proxies up; then the caller's tests;
/// then every process stopped by pid and the ports checked free again, whatever happened in between.
/// </summary>
internal sealed class ScenarioSession(ScenarioContext context, ChildProcess backend, RunningScenario running) : IAsyncDisposable
{
    private static readonly TimeSpan PortTimeout = TimeSpan.FromSeconds(15);

    public ScenarioContext Context => context;
    public RunningScenario Running => running;
    public int EntryPort => running.EntryPort;

    /// <summary>Starts a scenario; throws <see cref="BenchException"/> (after cleaning up) if anything fails to start.</summary>
    public static async Task<ScenarioSession> StartAsync(IScenario scenario, Variant variant, ScenarioContext context, CancellationToken ct)
    {
        Directory.CreateDirectory(context.Dir);
        await Ports.WaitAllFreeAsync(PortTimeout, ct).ConfigureAwait(false);
        var backend = await NginxBackend.StartAsync(context.Dir, context.WwwRoot, ct).ConfigureAwait(false);
        try
        {
            var running = await scenario.StartAsync(context, variant, ct).ConfigureAwait(false);
            foreach (var process in running.Processes.Append(backend))
            {
                process.RememberDescendants();
            }
            return new ScenarioSession(context, backend, running);
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            await Ports.WaitAllFreeAsync(PortTimeout, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Processes of this scenario that are no longer running, as problems.</summary>
    public IEnumerable<string> ExitedProcesses() => running.Processes.Append(backend)
        .Where(p => p.HasExited)
        .Select(p => $"{p.Name} (pid {p.Pid}) exited during the tests with code {p.ExitCode}; see {p.LogPath}");

    public async ValueTask DisposeAsync()
    {
        await running.DisposeAsync().ConfigureAwait(false);
        await backend.DisposeAsync().ConfigureAwait(false);
        // Throws if something still holds a port: the next scenario would measure the wrong thing.
        await Ports.WaitAllFreeAsync(PortTimeout, CancellationToken.None).ConfigureAwait(false);
    }
}
