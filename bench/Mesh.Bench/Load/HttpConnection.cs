using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Bench.Load;

/// <summary>
/// A minimal blocking HTTP/1.1 client connection: sends a prepared request, reads one response (Content-Length,
/// chunked, or until close) and counts the body without keeping it. Enough for GETs of a static file, and
/// cheap enough that the fixed-rate generator barely shows next to the proxies it measures.
/// </summary>
internal sealed class HttpConnection : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private HttpConnection(Socket socket) => _socket = socket;

    public readonly record struct Response(int Status, long BodyLength, bool KeepAlive, string BodyPrefix);

    public static HttpConnection Connect(IPEndPoint endPoint, TimeSpan timeout)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            socket.SendTimeout = (int)timeout.TotalMilliseconds;
            socket.Connect(endPoint);
            return new HttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static byte[] GetRequest(int port, string path) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: mesh-bench\r\n\r\n");

    public void Send(ReadOnlySpan<byte> request)
    {
        while (!request.IsEmpty)
        {
            request = request[_socket.Send(request)..];
        }
    }

    /// <summary>Reads one response. Throws <see cref="IOException"/> or <see cref="SocketException"/> on a broken or malformed one.</summary>
    public Response ReadResponse(bool keepBodyPrefix = false)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
        {
            Fill("response headers");
        }
        var head = Encoding.ASCII.GetString(_buffer, _start, headerEnd);
        _start += headerEnd + HeaderEnd.Length;

        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException($"not an HTTP/1.x status line: '{lines[0]}'");
        }
        long? contentLength = null;
        var chunked = false;
        var keepAlive = statusParts[0] != "HTTP/1.0";
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("connection", StringComparison.OrdinalIgnoreCase))
            {
                keepAlive = !value.Contains("close", StringComparison.OrdinalIgnoreCase);
            }
        }

        var prefix = new StringBuilder();
        long body;
        if (chunked)
        {
            body = ReadChunked(keepBodyPrefix ? prefix : null);
        }
        else if (contentLength is { } length)
        {
            body = Skip(length, keepBodyPrefix ? prefix : null);
        }
        else
        {
            body = SkipToClose(keepBodyPrefix ? prefix : null);
            keepAlive = false;
        }
        return new Response(status, body, keepAlive, prefix.ToString());
    }

    private long ReadChunked(StringBuilder? prefix)
    {
        long total = 0;
        while (true)
        {
            var size = long.Parse(ReadLine().Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while (ReadLine().Length > 0)
                {
                }
                return total;
            }
            total += Skip(size, prefix);
            ReadLine();
        }
    }

    private string ReadLine()
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf(LineEnd)) < 0)
        {
            Fill("chunk header");
        }
        var line = Encoding.ASCII.GetString(_buffer, _start, end);
        _start += end + LineEnd.Length;
        return line;
    }

    private long Skip(long count, StringBuilder? prefix)
    {
        var remaining = count;
        while (remaining > 0)
        {
            if (_start == _end)
            {
                Fill("response body");
            }
            var take = (int)Math.Min(remaining, _end - _start);
            Keep(prefix, take);
            _start += take;
            remaining -= take;
        }
        return count;
    }

    private long SkipToClose(StringBuilder? prefix)
    {
        long total = 0;
        while (true)
        {
            total += _end - _start;
            Keep(prefix, _end - _start);
            _start = _end = 0;
            var n = _socket.Receive(_buffer);
            if (n == 0)
            {
                return total;
            }
            _end = n;
        }
    }

    private void Keep(StringBuilder? prefix, int count)
    {
        if (prefix is not null && prefix.Length < 256)
        {
            prefix.Append(Encoding.UTF8.GetString(_buffer, _start, Math.Min(count, 256 - prefix.Length)));
        }
    }

    private void Fill(string reading)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            throw new IOException($"{reading} larger than {_buffer.Length} bytes");
        }
        var n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n == 0)
        {
            throw new IOException($"connection closed by the peer while reading the {reading}");
        }
        _end += n;
    }

    public void Dispose() => _socket.Dispose();
}
