using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Inbound;

/// <summary>
/// An accepted HTTP connection as Kestrel sees it: who is calling (from the mTLS handshake; null for plaintext under
/// PERMISSIVE) and which workload port it reaches.
/// </summary>
internal sealed record InboundStream(SpiffeId? Peer, LocalWorkload Workload, IPEndPoint Destination)
{
    private const string ItemKey = "mesh.inbound-stream";

    /// <summary>The peer agent's address, for decision records.</summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>The source workload's verified address (see <see cref="InboundConnection.SourceAddress"/>); null when unknown.</summary>
    public IPAddress? SourceIp { get; init; }

    /// <summary>"mtls", or "plaintext" for a connection captured without the mesh's mTLS.</summary>
    public string Tls { get; init; } = "mtls";

    public WorkloadBackend Backend { get; init; } = WorkloadBackend.Host;

    /// <summary>What the workload's port speaks (http: HTTP/1.1 to it; http2, grpc: h2c to it).</summary>
    public PortProtocol Protocol { get; init; } = PortProtocol.Http;

    public static void Attach(IDictionary<object, object?> items, InboundStream stream) => items[ItemKey] = stream;

    public static InboundStream? From(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? value as InboundStream : null;
}
