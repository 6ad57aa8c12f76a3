using System.Security.Cryptography;
using System.Text.Json;

namespace Mesh.Policy.DecisionLog;

/// <summary>The chain state a starting writer continues from, and the event line it writes first.</summary>
internal sealed record ResumePlan(ChainHead Head, ChainEvent FirstEvent);

/// <summary>
/// Decides, when the log opens, how the chain continues from what is on disk:
/// nothing yet -> a new chain (<c>start</c>); a complete last record that links under this agent's hash -> the same
/// chain (<c>resume</c>, seq and prev continue); a torn last line -> the file is set aside as a segment, untouched, and
/// the chain continues from the last complete record with a <c>torn_tail</c> event naming the torn bytes; a last line
/// that is not a v1 record, or does not link under this agent's hash or key -> a new chain whose start says why.
/// </summary>
internal static class ChainResume
{
    public static ResumePlan Plan(SegmentFiles segments, LinkHash link, DateTimeOffset now, Func<string> newChainId)
    {
        var active = segments.ActivePath;
        var rotated = segments.Rotated();
        var source = NonEmpty(active) ? active : rotated.LastOrDefault(NonEmpty);
        if (source is null)
        {
            return Fresh(newChainId(), 0, link, now, note: null, torn: null);
        }

        var tail = LogTail.Read(source);
        var (last, before) = (tail.LastLine, tail.LineBefore);
        var previous = source == active ? rotated.LastOrDefault() : rotated.TakeWhile(f => f != source).LastOrDefault();
        if ((last is null || before is null) && previous is not null && NonEmpty(previous))
        {
            // The record (or the one before it) is the last line of the previous segment.
            var earlier = LogTail.Read(previous);
            (last, before) = last is null ? (earlier.LastLine, earlier.LineBefore) : (last, earlier.LastLine);
        }

        var record = last is null ? null : LastRecord.Parse(last);
        string? problem = record is null
            ? $"{Path.GetFileName(source)} does not end in a v1 chain record"
            : Links(record, before, link) ? null
            : $"the last record of {Path.GetFileName(source)} does not link under this agent's {link.Algorithm} (key or algorithm changed, or the record was edited)";

        TornTail? torn = null;
        if (tail.Torn.Length > 0 || problem is not null)
        {
            // Set the file aside as it is, so the new lines start a clean file and verify finds the torn bytes at an end.
            var setAside = source == active ? segments.Rotate() : source;
            if (tail.Torn.Length > 0)
            {
                torn = new TornTail(Path.GetFileName(setAside), tail.Torn.Length, Convert.ToHexStringLower(SHA256.HashData(tail.Torn)));
            }
        }

        if (problem is not null)
        {
            return Fresh(newChainId(), record?.Seq ?? 0, link, now, problem + "; a new chain starts", torn);
        }

        var head = new ChainHead(record!.Chain, record.Seq, link.Compute(last));
        var first = torn is null
            ? new ChainEvent { Time = now, Event = ChainEvent.Resume }
            : new ChainEvent { Time = now, Event = ChainEvent.TornTailEvent, Torn = torn };
        return new ResumePlan(head, first);
    }

    private static ResumePlan Fresh(string chain, long lastSeq, LinkHash link, DateTimeOffset now, string? note, TornTail? torn) =>
        new(new ChainHead(chain, lastSeq, "start"), new ChainEvent { Time = now, Event = ChainEvent.Start, Alg = link.Algorithm, Note = note, Torn = torn });

    /// <summary>The last record must link to the line before it under this agent's hash (or be a start of this algorithm).</summary>
    private static bool Links(LastRecord record, byte[]? before, LinkHash link) => record.Prev switch
    {
        "start" => record.Alg == link.Algorithm,
        // The line before was in a segment that has been pruned: nothing to check against.
        _ when before is null => true,
        var prev => prev == link.Compute(before),
    };

    /// <summary>Measured through an open handle: FileInfo.Length of a symbolic link is the link's own size.</summary>
    private static bool NonEmpty(string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return stream.Length > 0;
    }

    private sealed record LastRecord(long Seq, string Chain, string Prev, string? Alg)
    {
        public static LastRecord? Parse(byte[] line)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Number || schema.GetInt32() != LineEncoder.Schema
                    || !root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var n)
                    || !root.TryGetProperty("chain", out var chain) || chain.GetString() is not { } c
                    || !root.TryGetProperty("prev", out var prev) || prev.GetString() is not { } p)
                {
                    return null;
                }

                var alg = root.TryGetProperty("alg", out var a) ? a.GetString() : null;
                return new LastRecord(n, c, p, alg);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }
}
