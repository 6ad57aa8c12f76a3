using Mesh.Policy;

namespace Mesh.Bench.Micro.Inbound;

/// <summary>Drops every record, so a benchmark with it shows the authorizer's cost without the log's.</summary>
internal sealed class NoopDecisionLog : IDecisionLog
{
    public Exception? Failure => null;

    public void Write(DecisionRecord record)
    {
    }

    public Task FlushAsync(CancellationToken ct = default) => Task.CompletedTask;
}
