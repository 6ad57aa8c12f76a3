using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.Ca;

/// <summary>
/// The certificates a TLS client sent after its leaf, kept on the connection so the request handler can build the
/// client's chain with them (Kestrel exposes only the leaf).
/// </summary>
internal static class PeerIntermediates
{
    private const string Key = "mesh.peer-intermediates";

    internal static void Keep(BaseConnectionContext connection, X509Chain? chain)
    {
        if (chain is { ChainPolicy.ExtraStore.Count: > 0 })
        {
            connection.Items[Key] = new X509Certificate2Collection(chain.ChainPolicy.ExtraStore);
        }
    }

    internal static X509Certificate2Collection? Of(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true
            ? value as X509Certificate2Collection
            : null;
}
