using Mesh.Identity;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Inbound;

/// <summary>What the TLS handshake established about one inbound connection, kept in the connection's items.</summary>
internal sealed record InboundConnection(SpiffeId LocalIdentity)
{
    private const string ItemKey = "mesh.inbound";

    /// <summary>Set once the peer's SVID verified; null means the handshake did not authenticate a peer.</summary>
    public SpiffeId? Peer { get; set; }

    public static void Attach(IDictionary<object, object?> items, InboundConnection connection) => items[ItemKey] = connection;

    public static InboundConnection? From(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? value as InboundConnection : null;
}
