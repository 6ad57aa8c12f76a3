using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Ca;
using Mesh.Identity.CaApi;

namespace Mesh.Identity.Tests;

/// <summary>A real CA on 127.0.0.1 with one node grant, plus a raw gRPC client for hand-made requests.</summary>
internal sealed class CaHarness : IAsyncDisposable
{
    internal static readonly TrustDomain Td = TrustDomain.Parse("cluster.local");
    internal static readonly SpiffeId Frontend = SpiffeId.ForWorkload(Td, "demo", "frontend");
    internal static readonly SpiffeId Backend = SpiffeId.ForWorkload(Td, "demo", "backend");

    private readonly TempDir? _ownedDir;

    private CaHarness(CaServer server, string token, CaOptions options, TempDir? ownedDir)
    {
        Server = server;
        Token = token;
        Options = options;
        _ownedDir = ownedDir;
    }

    internal CaServer Server { get; }

    internal string Token { get; }

    internal CaOptions Options { get; }

    internal string AuditLogPath => Path.Combine(Options.StateDir, "issuance-audit.log");

    internal static async Task<CaHarness> StartAsync(string? stateDir = null, TimeProvider? time = null, string? token = null, Func<CaOptions, CaOptions>? configure = null)
    {
        var owned = stateDir is null ? new TempDir() : null;
        token ??= BootstrapTokens.NewToken();
        var options = new CaOptions
        {
            TrustDomain = Td,
            StateDir = stateDir ?? owned!.Path,
            MaxTtl = TimeSpan.FromHours(2),
            Nodes = [new CaNodeGrant("node-a", BootstrapTokens.Hash(token), [Frontend])],
        };
        options = configure?.Invoke(options) ?? options;
        var server = await CaServer.StartAsync(options, time: time);
        return new CaHarness(server, token, options, owned);
    }

    internal CaClient Client(string? token = null) =>
        new(new CaClientOptions(Server.Address, Server.Bundle, token ?? Token) { ExpectedCaId = Server.CaId });

    internal async Task<GetTrustBundleResponse> RawTrustBundleAsync()
    {
        using var channel = Channel();
        return await new CertificateAuthority.CertificateAuthorityClient(channel).GetTrustBundleAsync(new GetTrustBundleRequest());
    }

    /// <summary>Sends exactly the request given, bypassing CaClient's own CSR and checks.</summary>
    internal async Task<CreateCertificateResponse> RawCallAsync(string csr, string identity, string? authorization)
    {
        using var channel = Channel();
        var client = new CertificateAuthority.CertificateAuthorityClient(channel);
        var headers = new Metadata();
        if (authorization is not null)
        {
            headers.Add("authorization", authorization);
        }

        return await client.CreateCertificateAsync(new CreateCertificateRequest { Csr = csr, Identity = identity }, headers);
    }

    private GrpcChannel Channel() =>
        GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    EnabledSslProtocols = SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, cert, chain, _) =>
                        cert is not null && SvidValidator.VerifyPeer(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()), chain?.ChainPolicy.ExtraStore, Server.Bundle).Ok,
                },
            },
        });

    internal string[] AuditLines()
    {
        using var stream = new FileStream(AuditLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _ownedDir?.Dispose();
    }
}
