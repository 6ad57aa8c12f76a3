using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Policy.DecisionLog;

/// <summary>
/// Builds one log line: the chain envelope <c>{"schema":1,"seq":N,"chain":"..","prev":"..","node":"..","time":"..",</c> followed by
/// the record's own fields from the source-generated serializer. The link hash is taken over exactly these bytes, so
/// the line is built once, in one buffer, and written as built. Not thread-safe: the writer loop owns it.
/// </summary>
internal sealed class LineEncoder : IDisposable
{
    public const int Schema = 1;

    private static readonly byte[] SchemaAndSeq = "{\"schema\":1,\"seq\":"u8.ToArray();
    private static readonly byte[] ChainField = ",\"chain\":\""u8.ToArray();
    private static readonly byte[] PrevField = "\",\"prev\":\""u8.ToArray();

    private readonly byte[] nodeField;
    private readonly ArrayBufferWriter<byte> line = new(1024);
    private readonly ArrayBufferWriter<byte> body = new(1024);
    private readonly Utf8JsonWriter json;

    public LineEncoder(string node)
    {
        // Closes prev, then "node":"<escaped>","time":" ; the time and its closing quote follow per line.
        nodeField = [.. "\",\"node\":\""u8, .. JsonEncodedText.Encode(node).EncodedUtf8Bytes, .. "\",\"time\":\""u8];
        json = new Utf8JsonWriter(body);
    }

    /// <returns>The line without its newline; valid until the next call.</returns>
    public ReadOnlySpan<byte> Encode<T>(ChainHead head, DateTimeOffset time, T value, JsonTypeInfo<T> type)
    {
        body.ResetWrittenCount();
        json.Reset(body);
        JsonSerializer.Serialize(json, value, type);
        json.Flush();

        line.ResetWrittenCount();
        line.Write(SchemaAndSeq);
        var seq = line.GetSpan(20);
        Utf8Formatter.TryFormat(head.LastSeq + 1, seq, out var digits);
        line.Advance(digits);
        line.Write(ChainField);
        System.Text.Encoding.ASCII.GetBytes(head.Chain, line.GetSpan(head.Chain.Length));
        line.Advance(head.Chain.Length);
        line.Write(PrevField);
        line.Write(head.Prev);
        line.Write(nodeField);
        line.Advance(Rfc3339Milliseconds.Write(time, line.GetSpan(Rfc3339Milliseconds.Length)));
        line.Write("\""u8);
        // The record's object without its opening brace: its fields continue the envelope's object.
        var fields = body.WrittenSpan;
        if (fields.Length > 2)
        {
            line.Write(","u8);
        }

        line.Write(fields[1..]);
        return line.WrittenSpan;
    }

    public void Dispose() => json.Dispose();
}
