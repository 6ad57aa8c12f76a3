using System.Security.Cryptography;
using Mesh.Policy.DecisionLog;

namespace Mesh.Policy;

/// <summary>
/// Checks the hash chain of decision log files given in order (oldest rotated segment first, the active file last):
/// every record's <c>prev</c> is the link of the line before it and its seq is one more, except where a chain starts.
/// A break is reported at the line it points to, with what it most likely was: an edited record (the next record's prev
/// no longer matches it), missing records (seq jumps over values found nowhere; at a file boundary, maybe a whole file),
/// reordered records (the skipped seq values turn up elsewhere), an inserted record (a seq appears twice), or a torn
/// tail (a file ends in an incomplete line that no restart acknowledged). A plain SHA-256 chain shows edits by someone
/// who did not recompute it; only a key (HMAC) or an anchored head defeats a full rewrite (docs/decision-log.md).
/// </summary>
/// <param name="anchors">Heads kept outside the node: a truncation or full rewrite up to them shows as a problem.</param>
public sealed class DecisionLogVerifier(byte[]? hmacKey = null, bool partial = false, IReadOnlyList<ChainAnchor>? anchors = null)
{
    private readonly LinkHash? keyed = hmacKey is null ? null : LinkHash.For(hmacKey);

    public VerifyReport Verify(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var problems = new List<VerifyFinding>();
        var items = new List<Item>();
        foreach (var file in files)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new VerifyFinding(file, 0, ChainBreaks.Unreadable, e.Message));
                continue;
            }

            Split(file, bytes, items, problems);
        }

        var report = new Walk(keyed, partial, items, problems, anchors ?? []).Run();
        // In file order, then line order: the first problem is where the chain first breaks.
        var order = files.Select((f, i) => (f, i)).GroupBy(x => x.f).ToDictionary(g => g.Key, g => g.First().i);
        return report with { Problems = [.. problems.OrderBy(p => order[p.File]).ThenBy(p => p.Line)] };
    }

    private static void Split(string file, byte[] bytes, List<Item> items, List<VerifyFinding> problems)
    {
        var start = 0;
        var number = 0L;
        while (start < bytes.Length)
        {
            number++;
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                var torn = bytes.AsMemory(start);
                items.Add(new Item(file, number, torn, null, Convert.ToHexStringLower(SHA256.HashData(torn.Span))));
                return;
            }

            var line = bytes.AsMemory(start, end - start);
            if (LogLine.Parse(line) is { } parsed)
            {
                items.Add(new Item(file, number, line, parsed, null));
            }
            else
            {
                problems.Add(new VerifyFinding(file, number, ChainBreaks.NotARecord, "not a v1 chain record (an edited, inserted or foreign line)"));
            }

            start = end + 1;
        }
    }

    /// <summary>A record line, or (with <see cref="TornSha256"/>) the incomplete last line of a file.</summary>
    private sealed record Item(string File, long Number, ReadOnlyMemory<byte> Bytes, LogLine? Record, string? TornSha256)
    {
        public string At => $"{File}:{Number}";
    }

    private sealed record Previous(Item Item, long Seq, string Chain, string? Link);

    /// <summary>One pass over the items in order; the state of a verification.</summary>
    private sealed class Walk(LinkHash? keyed, bool partial, List<Item> items, List<VerifyFinding> problems, IReadOnlyList<ChainAnchor> anchors)
    {
        private readonly HashSet<ChainAnchor> unmet = [.. anchors];
        private readonly List<VerifyFinding> notes = [];
        private readonly List<string> chains = [];
        private readonly HashSet<long> seen = [.. items.Where(i => i.Record is not null).Select(i => i.Record!.Seq)];
        private Previous? prev;
        private Previous? beforePrev;
        private Item? torn;
        private LinkHash? link;
        private long records;

        public VerifyReport Run()
        {
            foreach (var item in items)
            {
                if (item.Record is null)
                {
                    CloseTorn(null);
                    torn = item;
                    continue;
                }

                var acknowledged = CloseTorn(item);
                Check(item, item.Record, acknowledged);
                beforePrev = prev;
                prev = new Previous(item, item.Record.Seq, item.Record.Chain, link?.Compute(item.Bytes.Span));
                records++;
                CheckAnchors(prev);
            }

            CloseTorn(null);
            foreach (var anchor in unmet)
            {
                var last = items.LastOrDefault();
                problems.Add(new VerifyFinding(last?.File ?? "", last?.Number ?? 0, ChainBreaks.Anchor,
                    $"the anchored record seq {anchor.Seq} is not in the files: the log was truncated (or rewritten with fewer records) after the anchor was taken"));
            }
            return new VerifyReport(problems, notes, records, chains, prev?.Seq, prev?.Link);
        }

        private void CheckAnchors(Previous record)
        {
            foreach (var anchor in anchors)
            {
                if (anchor.Seq != record.Seq || !unmet.Remove(anchor))
                {
                    continue;
                }

                if (record.Link is not null && record.Link != anchor.Link)
                {
                    problems.Add(new VerifyFinding(record.Item.File, record.Item.Number, ChainBreaks.Anchor,
                        $"seq {anchor.Seq} links to {record.Link}, but the anchor says {anchor.Link}: the log was rewritten up to here"));
                }
            }
        }

        /// <summary>A torn line is fine only when the next record is the torn_tail event of the restart that found exactly it.</summary>
        private bool CloseTorn(Item? next)
        {
            if (torn is null)
            {
                return false;
            }

            var r = next?.Record;
            if (r is { Event: ChainEvent.TornTailEvent } && r.TornSha256 == torn.TornSha256 && r.TornBytes == torn.Bytes.Length)
            {
                notes.Add(new VerifyFinding(torn.File, torn.Number, ChainBreaks.TornTail,
                    $"incomplete last line ({torn.Bytes.Length} bytes, a crash mid-write), acknowledged by the agent's restart at {next!.At}"));
                torn = null;
                return true;
            }
            else
            {
                problems.Add(new VerifyFinding(torn.File, torn.Number, ChainBreaks.TornTail,
                    $"the file ends in an incomplete line ({torn.Bytes.Length} bytes): a crash mid-write or a truncation, not acknowledged by a restart"));
            }

            torn = null;
            return false;
        }

        private void Check(Item item, LogLine r, bool tornAcknowledged)
        {
            if (r.Prev == "start")
            {
                StartChain(item, r);
                return;
            }

            if (prev is null)
            {
                link = keyed ?? LinkHash.Plain;
                chains.Add(r.Chain);
                if (partial)
                {
                    notes.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.StartsMidChain, $"verification starts in the middle of chain {r.Chain}, at seq {r.Seq}"));
                }
                else
                {
                    problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.StartsMidChain,
                        $"chain {r.Chain} starts before this line (seq {r.Seq}): its earlier records are not in the files given; pass the earlier files in order, or --partial to check from here"));
                }

                return;
            }

            if (r.Event == ChainEvent.TornTailEvent && !tornAcknowledged)
            {
                problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.TornTail,
                    "a restart recorded a torn line here, but the previous file does not end in it (the torn bytes were removed, or files are missing or out of order)"));
            }

            if (r.Chain != prev.Chain)
            {
                problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.ChainChanged, $"chain changes from {prev.Chain} to {r.Chain} without a start record"));
            }

            var linked = prev.Link is null || r.Prev == prev.Link;
            if (linked && r.Seq == prev.Seq + 1)
            {
                return;
            }

            Classify(item, r, prev);
        }

        private void Classify(Item item, LogLine r, Previous p)
        {
            if (r.Seq == p.Seq + 1)
            {
                problems.Add(new VerifyFinding(p.Item.File, p.Item.Number, ChainBreaks.Edited,
                    $"record seq {p.Seq} was altered after it was written: its hash does not match the prev of the next record ({item.At})"));
            }
            else if (r.Seq == p.Seq)
            {
                // The forged line is the one the other does not link from.
                var inserted = beforePrev?.Link is { } l && r.Prev == l ? p.Item : item;
                problems.Add(new VerifyFinding(inserted.File, inserted.Number, ChainBreaks.Inserted,
                    $"seq {r.Seq} appears twice ({p.Item.At} and {item.At}): this line is a record the agent did not write in this place"));
            }
            else if (r.Seq < p.Seq)
            {
                problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.Reordered, $"seq goes back from {p.Seq} ({p.Item.At}) to {r.Seq}: records are out of order"));
            }
            else
            {
                var gap = r.Seq - p.Seq - 1;
                var elsewhere = 0L;
                for (var s = p.Seq + 1; s < r.Seq && elsewhere < gap; s++)
                {
                    elsewhere += seen.Contains(s) ? 1 : 0;
                }

                if (elsewhere > 0)
                {
                    problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.Reordered,
                        $"seq jumps from {p.Seq} ({p.Item.At}) to {r.Seq}, and the seq values between appear elsewhere: records are out of order"));
                }
                else
                {
                    var boundary = p.Item.File != item.File ? $"; the records between {p.Item.File} and {item.File} are gone (a deleted file?)" : "";
                    problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.Missing,
                        $"{gap} record(s) missing: seq jumps from {p.Seq} ({p.Item.At}) to {r.Seq}{boundary}"));
                }
            }
        }

        private void StartChain(Item item, LogLine r)
        {
            chains.Add(r.Chain);
            if (prev is not null)
            {
                notes.Add(new VerifyFinding(item.File, item.Number, "new_chain", $"chain {r.Chain} starts here, after chain {prev.Chain} (seq {prev.Seq}){(r.Note is null ? "" : ": " + r.Note)}"));
            }

            switch (r.Alg)
            {
                case LinkHash.Sha256:
                    link = LinkHash.Plain;
                    if (keyed is not null)
                    {
                        // Someone who could rewrite the file would also drop the key; a keyed log was expected.
                        problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.Key, $"chain {r.Chain} is not keyed (sha256) but a key was given"));
                    }

                    break;
                case LinkHash.HmacSha256:
                    link = keyed;
                    if (keyed is null)
                    {
                        problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.Key, $"chain {r.Chain} is keyed (hmac-sha256): pass --key FILE to check its links"));
                    }

                    break;
                default:
                    link = keyed ?? LinkHash.Plain;
                    problems.Add(new VerifyFinding(item.File, item.Number, ChainBreaks.NotARecord, $"chain {r.Chain} starts without a known link algorithm ('{r.Alg}')"));
                    break;
            }
        }
    }
}
