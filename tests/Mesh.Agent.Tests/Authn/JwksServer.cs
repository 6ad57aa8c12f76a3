using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// A real HTTPS JWKS endpoint: Kestrel on 127.0.0.1 with a self-signed certificate, serving whatever <see cref="Jwks"/>
/// holds (or 500 while <see cref="Failing"/>), counting requests. <see cref="Client"/> trusts exactly its certificate.
/// </summary>
internal sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _cert;
    private int _requests;

    private JwksServer(WebApplication app, X509Certificate2 cert, int port)
    {
        _app = app;
        _cert = cert;
        Uri = new Uri($"https://127.0.0.1:{port}/jwks.json");
        Client = new HttpClient(new SocketsHttpHandler
        {
            // Trust this server's own certificate and nothing else: the test stands in for a public CA.
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == cert.GetCertHashString() },
        });
    }

    public Uri Uri { get; }

    public HttpClient Client { get; }

    public string Jwks { get; set; } = """{"keys":[]}""";

    public bool Failing { get; set; }

    /// <summary>How long each answer waits (to test the fetch timeout).</summary>
    public TimeSpan Delay { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<JwksServer> StartAsync()
    {
        var cert = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(cert)));
        var app = builder.Build();
        JwksServer? server = null;
        app.MapGet("/jwks.json", async (HttpContext c) =>
        {
            Interlocked.Increment(ref server!._requests);
            if (server.Delay > TimeSpan.Zero)
            {
                await Task.Delay(server.Delay, c.RequestAborted);
            }

            return server.Failing ? Results.StatusCode(500) : Results.Text(server.Jwks, "application/json");
        });
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        server = new JwksServer(app, cert, port);
        return server;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        _cert.Dispose();
    }
}
