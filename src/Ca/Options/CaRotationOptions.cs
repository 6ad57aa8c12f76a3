namespace Mesh.Ca;

/// <summary>How the CA paces a key rotation (<c>rotation:</c> in ca.yaml). See docs/ca-api.md, "Rotation".</summary>
public sealed record CaRotationOptions
{
    /// <summary>
    /// Minimum time a new root sits in the published trust bundle before anything is signed under
    /// it. Agents poll GetTrustBundle; this must cover several poll periods plus slack.
    /// </summary>
    public TimeSpan PublishBeforeActivate { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the running CA reads the journal (to pick up `mesh ca rotate`) and advances it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>False on read-only replicas: they follow the journal but never advance it.</summary>
    public bool Drive { get; init; } = true;
}
