using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Demo;

/// <summary>The demo's backend app: a plain HTTP service on loopback that knows nothing about the mesh.</summary>
internal static class DemoBackend
{
    public const string ItemsBody = """{"items":["apple","pear","plum"]}""";

    public static async Task<WebApplication> StartAsync(int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/api/items", () => Results.Text(ItemsBody, "application/json"));
        app.MapGet("/api/admin/keys", () => Results.Text("""{"keys":["very-secret"]}""", "application/json"));
        await app.StartAsync(ct).ConfigureAwait(false);
        return app;
    }
}
