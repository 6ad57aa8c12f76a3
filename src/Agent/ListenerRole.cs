using Mesh.Agent.Outbound;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent;

/// <summary>Which of the agent's listeners a connection arrived on; set by connection middleware, read per request.</summary>
internal abstract record ListenerRole
{
    public const string ItemKey = "mesh.role";

    public static void Attach(IDictionary<object, object?> items, ListenerRole role) => items[ItemKey] = role;

    public static ListenerRole? From(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? value as ListenerRole : null;

    /// <summary>HTTP streams accepted from peer agents (through the mux transport).</summary>
    public sealed record InboundHttp : ListenerRole;

    public sealed record Admin : ListenerRole;

    public sealed record OutboundHttp(OutboundRoute Route) : ListenerRole;
}
