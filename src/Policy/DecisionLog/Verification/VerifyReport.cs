namespace Mesh.Policy;

/// <summary>What <c>mesh audit verify</c> found at one line. <see cref="Line"/> is 1-based within <see cref="File"/>.</summary>
public sealed record VerifyFinding(string File, long Line, string Kind, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Kind}: {Message}";
}

/// <summary>The kinds of <see cref="VerifyFinding"/> a verification reports.</summary>
public static class ChainBreaks
{
    /// <summary>A record's bytes changed after it was written (its hash no longer matches the next record's prev).</summary>
    public const string Edited = "edited";

    /// <summary>Records (or a whole file) are missing: seq jumps over values that appear nowhere.</summary>
    public const string Missing = "missing";

    /// <summary>Records are out of order.</summary>
    public const string Reordered = "reordered";

    /// <summary>A record was added that the agent did not write.</summary>
    public const string Inserted = "inserted";

    /// <summary>A file ends in an incomplete line that no later agent restart acknowledged.</summary>
    public const string TornTail = "torn_tail";

    /// <summary>A line is not a v1 chain record at all.</summary>
    public const string NotARecord = "not_a_record";

    /// <summary>The files given begin in the middle of a chain.</summary>
    public const string StartsMidChain = "starts_mid_chain";

    /// <summary>The chain's link hash and the key given do not fit together.</summary>
    public const string Key = "key";

    /// <summary>A record names another chain than the one it continues.</summary>
    public const string ChainChanged = "chain_changed";

    /// <summary>A file could not be read.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>An anchored head (seq and link kept outside the node) is missing or differs: truncated or rewritten.</summary>
    public const string Anchor = "anchor";
}

/// <summary>A head recorded earlier somewhere the node cannot change: the record with <paramref name="Seq"/> must have <paramref name="Link"/>.</summary>
public sealed record ChainAnchor(long Seq, string Link)
{
    /// <summary>Parses "SEQ:LINK", as <c>mesh audit verify</c> prints the head.</summary>
    public static bool TryParse(string text, out ChainAnchor? anchor)
    {
        anchor = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq)
            || text.Length - colon - 1 != 64 || text.AsSpan(colon + 1).ContainsAnyExcept("0123456789abcdef"))
        {
            return false;
        }

        anchor = new ChainAnchor(seq, text[(colon + 1)..]);
        return true;
    }
}

/// <summary>The outcome of verifying a set of decision log files in order.</summary>
/// <param name="Problems">Breaks of the chain; any makes the verification fail.</param>
/// <param name="Notes">Things an auditor should know that are not breaks: new chains, acknowledged torn tails, a partial start.</param>
/// <param name="HeadLink">The last record's link hash: anchor it somewhere the writer cannot reach to detect a later truncation.</param>
public sealed record VerifyReport(
    IReadOnlyList<VerifyFinding> Problems,
    IReadOnlyList<VerifyFinding> Notes,
    long Records,
    IReadOnlyList<string> Chains,
    long? HeadSeq,
    string? HeadLink)
{
    public bool Ok => Problems.Count == 0;
}
