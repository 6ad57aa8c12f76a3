using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Ca;
using Mesh.Identity.CaApi;

namespace Mesh.Identity.Tests;

/// <summary>
/// A real CA on 127.0.0.1 whose workload registry puts frontend on node-a and backend on node-b. At start node-a spends
/// a join token on its node certificate (<see cref="NodeSvid"/>), as an agent does; <see cref="Client"/> authenticates
/// with it. A raw gRPC client sends hand-made requests.
/// </summary>
internal sealed class CaHarness : IAsyncDisposable
{
    internal static readonly TrustDomain Td = TrustDomain.Parse("cluster.local");
    internal static readonly SpiffeId Frontend = SpiffeId.ForWorkload(Td, "demo", "frontend");
    internal static readonly SpiffeId Backend = SpiffeId.ForWorkload(Td, "demo", "backend");

    private readonly TempDir? _ownedDir;

    private CaHarness(CaServer server, string token, CaOptions options, TempDir? ownedDir, IssuedSvid? nodeSvid)
    {
        Server = server;
        Token = token;
        Options = options;
        _ownedDir = ownedDir;
        _nodeSvid = nodeSvid;
    }

    private readonly IssuedSvid? _nodeSvid;

    internal static SpiffeId NodeA { get; } = NodeIds.For(Td, "node-a");

    /// <summary>node-a's node certificate, obtained with <see cref="Token"/> at start.</summary>
    internal IssuedSvid NodeSvid => _nodeSvid ?? throw new InvalidOperationException("started with bootstrapNode: false");

    internal CaServer Server { get; }

    internal string Token { get; }

    internal CaOptions Options { get; }

    internal string AuditLogPath => Path.Combine(Options.StateDir, "issuance-audit.log");

    /// <param name="bootstrapNode">False skips node-a's bootstrap (a CA run on a fake clock cannot be verified on the real one).</param>
    internal static async Task<CaHarness> StartAsync(string? stateDir = null, TimeProvider? time = null, KubernetesAuthOptions? kubernetes = null,
        bool bootstrapNode = true, Func<CaOptions, CaOptions>? configure = null)
    {
        var owned = stateDir is null ? new TempDir() : null;
        var dir = stateDir ?? owned!.Path;
        Directory.CreateDirectory(dir);
        var registry = System.IO.Path.Combine(dir, "workloads.yaml");
        File.WriteAllText(registry, """
            workloads:
              - { node: node-a, namespace: demo, serviceAccount: frontend }
              - { node: node-b, namespace: demo, serviceAccount: backend }
            """);
        var options = new CaOptions
        {
            TrustDomain = Td,
            StateDir = dir,
            MaxTtl = TimeSpan.FromHours(2),
            WorkloadRegistryPath = registry,
            Kubernetes = kubernetes,
        };
        options = configure?.Invoke(options) ?? options;
        var server = await CaServer.StartAsync(options, time: time);
        // Made only once the CA is up: a start that fails must leave the state dir as it was.
        var token = JoinTokens.Create(dir, "node-a", TimeSpan.FromHours(1), time);
        IssuedSvid? nodeSvid = null;
        if (bootstrapNode)
        {
            using var bootstrap = new CaClient(new CaClientOptions(server.Address, server.Bundle) { BearerToken = token, ExpectedCaId = server.CaId });
            nodeSvid = await bootstrap.RequestSvidAsync(NodeA, CancellationToken.None);
        }
        return new CaHarness(server, token, options, owned, nodeSvid);
    }

    /// <summary>A client that authenticates as node-a with its node certificate.</summary>
    internal CaClient Client(TimeSpan? requestedTtl = null) =>
        new(new CaClientOptions(Server.Address, Server.Bundle)
        {
            ExpectedCaId = Server.CaId,
            ClientCertificate = SslStreamCertificateContext.Create(NodeSvid.Leaf, NodeSvid.Intermediates, offline: true),
            RequestedTtl = requestedTtl,
        });

    /// <summary>A client that presents only a bearer token.</summary>
    internal CaClient TokenClient(string token) =>
        new(new CaClientOptions(Server.Address, Server.Bundle) { ExpectedCaId = Server.CaId, BearerToken = token });

    internal string NewJoinToken(string node, TimeSpan? ttl = null) => JoinTokens.Create(Options.StateDir, node, ttl ?? TimeSpan.FromHours(1));

    internal async Task<GetTrustBundleResponse> RawTrustBundleAsync()
    {
        using var channel = Channel();
        return await new CertificateAuthority.CertificateAuthorityClient(channel).GetTrustBundleAsync(new GetTrustBundleRequest());
    }

    /// <summary>Sends exactly the request given, bypassing CaClient's own CSR and checks.</summary>
    internal async Task<CreateCertificateResponse> RawCallAsync(string csr, string identity, string? authorization, bool asNode = false, IssuedSvid? clientCertificate = null)
    {
        var presented = clientCertificate ?? (asNode ? NodeSvid : null);
        using var channel = Channel(presented);
        var client = new CertificateAuthority.CertificateAuthorityClient(channel);
        var headers = new Metadata();
        if (authorization is not null)
        {
            headers.Add("authorization", authorization);
        }

        return await client.CreateCertificateAsync(new CreateCertificateRequest { Csr = csr, Identity = identity }, headers);
    }

    private GrpcChannel Channel(IssuedSvid? presented = null) =>
        GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ClientCertificateContext = presented is null ? null : SslStreamCertificateContext.Create(presented.Leaf, presented.Intermediates, offline: true),
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
