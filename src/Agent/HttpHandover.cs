using System.Net.Sockets;
using Mesh.Agent.Inbound;
using Mesh.Agent.Net;

namespace Mesh.Agent;

/// <summary>
/// Gives an app's cleartext HTTP connection (an outbound HTTP listener's, a captured one, plaintext under PERMISSIVE)
/// to the agent's Kestrel server: HTTP/1.1 or h2c with prior knowledge, told apart by <see cref="HttpSniffer"/>.
/// </summary>
internal sealed class HttpHandover(MuxTransport transport)
{
    /// <summary>How long a client may stay silent before its first byte; Kestrel's request-headers timeout applies after.</summary>
    public static readonly TimeSpan FirstByteTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Hands the connection over (or closes it when the client sends nothing); <paramref name="describe"/> attaches its role.</summary>
    public async Task HandOverAsync(Socket socket, Action<IDictionary<object, object?>> describe, CancellationToken ct)
    {
        var kind = await HttpSniffer.SniffAsync(socket, FirstByteTimeout, ct).ConfigureAwait(false);
        if (kind is null)
        {
            socket.Dispose();
            return;
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (!transport.TryAccept(stream, kind.Value, describe))
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
