namespace Mesh.Agent.Authn;

/// <summary>Where one issuer's verification keys come from: inline, a file, or an https URL.</summary>
internal interface IJwksSource
{
    /// <summary>What the keys are named by in logs and messages (the URL, the file, or "inline").</summary>
    string Name { get; }

    /// <summary>The current keys, loading them first if they never were; empty when none could be had (tokens then fail).</summary>
    ValueTask<JwksKeySet> GetAsync(CancellationToken ct);

    /// <summary>
    /// A token named a kid the keys lack: the issuer may have rotated. Re-reads the source if it may (a URL at most once
    /// per floor interval) and returns the keys to try again with.
    /// </summary>
    ValueTask<JwksKeySet> RefreshForUnknownKidAsync(CancellationToken ct);
}
