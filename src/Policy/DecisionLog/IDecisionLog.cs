namespace Mesh.Policy;

/// <summary>Where authorization decisions go for audit.</summary>
public interface IDecisionLog
{
    /// <summary>Set once records can no longer be written; the agent then fails closed (or open, if configured).</summary>
    Exception? Failure { get; }

    /// <summary>Queues the record and returns at once; it never waits on disk.</summary>
    void Write(DecisionRecord record);

    /// <summary>Completes when every record written before this call is on disk.</summary>
    Task FlushAsync(CancellationToken ct = default);
}
