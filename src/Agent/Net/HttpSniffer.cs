using System.Net.Sockets;
using Mesh.Agent.Inbound;

namespace Mesh.Agent.Net;

/// <summary>
/// Tells HTTP/2 with prior knowledge (h2c) from HTTP/1.x on a cleartext connection by peeking at its first bytes: an
/// HTTP/2 client starts with the 24-byte preface <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>, an HTTP/1 client with a method.
/// Nothing is consumed (MSG_PEEK), so Kestrel reads the connection from its first byte.
/// </summary>
internal static class HttpSniffer
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    // Request methods an HTTP/1.x client may start with (RFC 9110 and WebDAV's common ones), each followed by a space.
    private static readonly byte[][] Methods =
        [.. new[] { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK" }
            .Select(m => System.Text.Encoding.ASCII.GetBytes(m + " "))];

    private enum Verdict { Undecided, Http1, Http2, Other }

    /// <summary>What the bytes seen so far prove: a full preface, a method and a space, neither possible any more, or not yet.</summary>
    private static Verdict Classify(ReadOnlySpan<byte> seen)
    {
        if (seen.Length == Preface.Length && seen.SequenceEqual(Preface))
        {
            return Verdict.Http2;
        }
        var undecided = seen.SequenceEqual(Preface.AsSpan(0, Math.Min(seen.Length, Preface.Length)));
        foreach (var method in Methods)
        {
            if (seen.Length >= method.Length && seen[..method.Length].SequenceEqual(method))
            {
                return Verdict.Http1;
            }
            undecided |= seen.Length < method.Length && method.AsSpan(0, seen.Length).SequenceEqual(seen);
        }
        return undecided ? Verdict.Undecided : Verdict.Other;
    }

    /// <summary>
    /// For a port the registry does not declare: HTTP/1.x (a known method and a space), h2c (the preface), or anything
    /// else (TCP, also when the client sends nothing within <paramref name="window"/>: server-first protocols such as
    /// SMTP or MySQL must not wait on the client). Null when the client closed.
    /// </summary>
    public static async Task<Config.PortProtocol?> DetectAsync(Socket socket, TimeSpan window, CancellationToken ct)
    {
        var buffer = new byte[Preface.Length];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(window);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, limit.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return null;
                }
                switch (Classify(buffer.AsSpan(0, n)))
                {
                    case Verdict.Http1:
                        return Config.PortProtocol.Http;
                    case Verdict.Http2:
                        return Config.PortProtocol.Http2;
                    case Verdict.Other:
                        return Config.PortProtocol.Tcp;
                }
                await Task.Delay(1, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Config.PortProtocol.Tcp;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The kind, or null when the client closed or sent nothing within <paramref name="timeout"/>.</summary>
    public static async Task<HttpKind?> SniffAsync(Socket socket, TimeSpan timeout, CancellationToken ct)
    {
        var buffer = new byte[Preface.Length];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, limit.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return null;
                }
                if (!buffer.AsSpan(0, n).SequenceEqual(Preface.AsSpan(0, n)))
                {
                    return HttpKind.Http1;
                }
                if (n == Preface.Length)
                {
                    return HttpKind.Http2;
                }
                // A prefix of the preface so far (it rarely arrives split): peeking again returns at once, so wait a little.
                await Task.Delay(1, limit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
