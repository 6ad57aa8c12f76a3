using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Tunnel.Mux;
using Mesh.Identity;

namespace Mesh.Agent.Inbound;

/// <summary>
/// The TCP connections this agent is relaying to its workloads, so a policy reload can re-decide them: as ztunnel does,
/// a connection the new policy set denies is closed instead of living on under the old decision.
/// </summary>
internal sealed class OpenTcpConnections
{
    private readonly ConcurrentDictionary<long, Entry> _open = new();
    private long _next;

    /// <param name="Stream">The tunnel stream; null for a plaintext connection (PERMISSIVE), which has none.</param>
    internal sealed record Entry(SpiffeId? Peer, IPAddress? PeerAddress, LocalWorkload Workload, IPEndPoint Destination, MuxStream? Stream, Socket Socket)
    {
        public string Tls { get; init; } = "mtls";

        public IPAddress? SourceIp { get; init; }

        /// <summary>The app's side of a plaintext connection, closed with the workload's side.</summary>
        public Socket? Client { get; init; }
    }

    internal int Count => _open.Count;

    internal long Add(Entry entry)
    {
        var key = Interlocked.Increment(ref _next);
        _open[key] = entry;
        return key;
    }

    internal void Remove(long key) => _open.TryRemove(key, out _);

    internal IReadOnlyList<Entry> Snapshot() => [.. _open.Values];
}
