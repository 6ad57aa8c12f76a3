using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Orchestration;

/// <summary>
/// The harness's loopback ports, all in 21000-21999, a range no other load test on this machine uses.
/// Every scenario has the same shape, so the ports are fixed by role rather than picked at random:
/// a stray process from a previous scenario is then caught by <see cref="WaitAllFreeAsync"/>.
/// </summary>
internal static class Ports
{
    public const string Host = "127.0.0.1";

    /// <summary>Where the load generator connects: the client-side proxy, or nginx itself for `direct`.</summary>
    public const int ClientProxy = 21001;

    /// <summary>The server-side proxy's mTLS listener.</summary>
    public const int ServerProxy = 21002;

    public const int MeshCa = 21010;
    public const int MeshClientInbound = 21011;
    public const int MeshClientAdmin = 21012;
    public const int MeshServerAdmin = 21013;

    /// <summary>The backend nginx.</summary>
    public const int Backend = 21080;

    public static IReadOnlyList<int> All { get; } = [ClientProxy, ServerProxy, MeshCa, MeshClientInbound, MeshClientAdmin, MeshServerAdmin, Backend];

    public static IPEndPoint EndPoint(int port) => new(IPAddress.Loopback, port);

    /// <summary>Waits until no socket listens on any harness port and each can be bound; throws naming the busy ports.</summary>
    public static async Task WaitAllFreeAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var busy = All.Where(p => !IsFree(p)).ToList();
            if (busy.Count == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"port(s) {string.Join(", ", busy)} on {Host} still in use after {timeout.TotalSeconds:0} s " +
                    $"(listening: {string.Join(", ", busy.Where(Listening().Contains))}); find the owner with `ss -ltnp` and stop it");
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    private static bool IsFree(int port)
    {
        if (Listening().Contains(port))
        {
            return false;
        }
        // Servers bind with SO_REUSEADDR, so connections in TIME_WAIT do not block them; neither may they block us.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(EndPoint(port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Local ports in LISTEN state, from /proc/net/tcp and tcp6.</summary>
    private static HashSet<int> Listening()
    {
        var ports = new HashSet<int>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file))
            {
                continue;
            }
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                // "  sl  local_address rem_address   st ..." with local_address "0100007F:5209" and st "0A" = LISTEN.
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 3 && fields[3] == "0A")
                {
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }
        return ports;
    }
}
