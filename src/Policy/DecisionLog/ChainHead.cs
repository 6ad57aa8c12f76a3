namespace Mesh.Policy.DecisionLog;

/// <summary>Where the chain stands: the last record's seq and the link the next record must carry as <c>prev</c>.</summary>
internal sealed class ChainHead
{
    public static readonly byte[] StartLink = "start"u8.ToArray();

    private readonly byte[] prev = new byte[LinkHash.HexLength];
    private int prevLength;

    /// <param name="lastSeq">The seq of the record before the next one (0 before the first).</param>
    /// <param name="prevLink">The next record's prev: a link hash, or "start" for the first record of a chain.</param>
    public ChainHead(string chain, long lastSeq, string prevLink)
    {
        Chain = chain;
        LastSeq = lastSeq;
        prevLength = System.Text.Encoding.ASCII.GetBytes(prevLink, prev);
    }

    public string Chain { get; }

    public long LastSeq { get; private set; }

    public ReadOnlySpan<byte> Prev => prev.AsSpan(0, prevLength);

    /// <summary>The record just written becomes the previous one.</summary>
    public void Advance(ReadOnlySpan<byte> line, LinkHash link)
    {
        link.Compute(line, prev);
        prevLength = LinkHash.HexLength;
        LastSeq++;
    }
}
