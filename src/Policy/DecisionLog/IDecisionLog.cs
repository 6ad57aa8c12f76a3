namespace Mesh.Policy;

/// <summary>Where authorization decisions go for audit.</summary>
public interface IDecisionLog
{
    /// <summary>Queues the record and returns at once; it never waits on disk.</summary>
    void Write(DecisionRecord record);

    /// <summary>Completes when every record written before this call is on disk.</summary>
    Task FlushAsync(CancellationToken ct = default);
}
