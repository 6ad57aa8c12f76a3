namespace Mesh.Identity;

/// <summary>Outcome of <see cref="SvidValidator.VerifyPeer"/>: an ID when Ok, a plain reason otherwise.</summary>
public sealed record PeerVerification(bool Ok, SpiffeId? Id, string? Failure)
{
    internal static PeerVerification Accepted(SpiffeId id) => new(true, id, null);

    internal static PeerVerification Rejected(string failure) => new(false, null, failure);
}
