using System.Net;
using Mesh.Agent.Admin;
using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Inbound;
using Mesh.Agent.Outbound;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Identity;
using Mesh.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent;

/// <summary>
/// One running node agent: identity manager, policy store, decision log, and one Kestrel server with the inbound
/// mTLS listener, the outbound listeners and the admin listener. Built from <see cref="AgentOptions"/>.
/// </summary>
public sealed partial class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IdentityManager _identities;
    private readonly PolicyStore _policies;
    private readonly JsonLinesDecisionLog _decisionLog;
    private readonly PeerConnectionPool _pool;
    private readonly InboundHandler _inbound;
    private readonly AdminEndpoints _admin;
    private readonly ListenOptions _inboundListen;
    private readonly ListenOptions? _adminListen;
    private readonly List<ListenOptions> _outboundListen;

    private AgentHost(WebApplication app, IdentityManager identities, PolicyStore policies, JsonLinesDecisionLog decisionLog, PeerConnectionPool pool,
        InboundHandler inbound, AdminEndpoints admin, ListenOptions inboundListen, ListenOptions? adminListen, List<ListenOptions> outboundListen, AgentMetrics metrics)
    {
        _app = app;
        _identities = identities;
        _policies = policies;
        _decisionLog = decisionLog;
        _pool = pool;
        _inbound = inbound;
        _admin = admin;
        _inboundListen = inboundListen;
        _adminListen = adminListen;
        _outboundListen = outboundListen;
        Metrics = metrics;
    }

    public AgentMetrics Metrics { get; }
    public IPEndPoint InboundEndpoint => _inboundListen.IPEndPoint!;
    public IPEndPoint? AdminEndpoint => _adminListen?.IPEndPoint;
    public IReadOnlyList<IPEndPoint> OutboundEndpoints => _outboundListen.Select(l => l.IPEndPoint!).ToList();
    public int PolicyGeneration => _policies.Generation;
    public IReadOnlyList<SpiffeId> MissingIdentities() => _admin.MissingIdentities();

    /// <summary>
    /// Starts the agent. Listeners open at once; handshakes for an identity fail closed until its certificate arrives
    /// (<see cref="WaitReadyAsync"/> waits for all of them). Invalid policies stop the start with a <see cref="ConfigException"/>.
    /// </summary>
    public static async Task<AgentHost> StartAsync(
        AgentOptions options,
        Action<ILoggingBuilder> configureLogging,
        TimeProvider? time = null,
        Func<SpiffeId, CancellationToken, Task<IssuedSvid>>? fetchSvid = null,
        CancellationToken ct = default)
    {
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        builder.Services.AddHttpForwarder();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var metrics = new AgentMetrics();
        var credentials = new CredentialStore(options.TrustDomain, time);
        var identities = options.Workloads.Select(w => w.Identity).Distinct().ToList();
        var bySni = new Dictionary<string, SpiffeId>(StringComparer.Ordinal);
        foreach (var id in identities)
        {
            bySni[SniNames.For(id)] = id;
        }

        ListenOptions? inboundListen = null;
        ListenOptions? adminListen = null;
        var outboundListen = new List<ListenOptions>();
        InboundTls? inboundTls = null;
        OutboundTcpProxy? tcpProxy = null;
        var routes = options.Outbound.Select(o =>
        {
            var service = options.Registry.Find(o.Service)!;
            return new OutboundRoute(o, service, service.FindPort(o.ServicePort)!);
        }).ToList();

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Requests between agents use the http scheme over our own TLS stream (see PeerConnectionPool).
            k.AllowAlternateSchemes = true;
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            k.Limits.Http2.InitialStreamWindowSize = 1024 * 1024;
            k.Listen(options.InboundListen, lo =>
            {
                inboundListen = lo;
                lo.Protocols = HttpProtocols.Http2;
                lo.Use(next => ctx => { ListenerRole.Attach(ctx.Items, new ListenerRole.Inbound()); return next(ctx); });
                // Kestrel reads its options during Build(); the handshake callback finds inboundTls set by then.
                lo.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions
                {
                    OnConnection = context => inboundTls!.OnConnection(context),
                    HandshakeTimeout = MeshTls.HandshakeTimeout,
                });
            });
            foreach (var route in routes)
            {
                k.Listen(route.Listener.Listen, lo =>
                {
                    outboundListen.Add(lo);
                    if (route.Port.Protocol == PortProtocol.Tcp)
                    {
                        lo.Run(ctx => tcpProxy!.HandleAsync(ctx, route));
                    }
                    else
                    {
                        // Plaintext from apps: HTTP/1.1 here; h2c from apps comes with the HTTP data-plane work.
                        lo.Protocols = HttpProtocols.Http1;
                        lo.Use(next => ctx => { ListenerRole.Attach(ctx.Items, new ListenerRole.OutboundHttp(route)); return next(ctx); });
                    }
                });
            }
            if (options.AdminListen is { } adminAt)
            {
                k.Listen(adminAt, lo =>
                {
                    adminListen = lo;
                    lo.Protocols = HttpProtocols.Http1;
                    lo.Use(next => ctx => { ListenerRole.Attach(ctx.Items, new ListenerRole.Admin()); return next(ctx); });
                });
            }
        });

        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var logger = loggers.CreateLogger<AgentHost>();
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();

        var policies = PolicyStore.Open(options.PoliciesDir, new PolicyLoaderOptions { RootNamespace = options.RootNamespace }, loggers.CreateLogger<PolicyStore>());
        var decisionLog = new JsonLinesDecisionLog(options.DecisionLogPath);
        var pool = new PeerConnectionPool(credentials, metrics, time, loggers.CreateLogger<PeerConnectionPool>());
        inboundTls = new InboundTls(credentials, bySni, identities.FirstOrDefault() ?? SpiffeId.ForWorkload(options.TrustDomain, "none", "none"), metrics, time, loggers.CreateLogger<InboundTls>());
        tcpProxy = new OutboundTcpProxy(pool, metrics, loggers.CreateLogger<OutboundTcpProxy>());
        var httpProxy = new OutboundHttpProxy(forwarder, pool, metrics, loggers.CreateLogger<OutboundHttpProxy>());
        var authorizer = new InboundAuthorizer(policies, decisionLog, metrics, time);
        var inbound = new InboundHandler(new LocalWorkloads(options.Workloads), authorizer, forwarder, loggers.CreateLogger<InboundHandler>());
        var admin = new AdminEndpoints(credentials, identities, policies, metrics);

        app.Run(context => ListenerRole.From(context) switch
        {
            ListenerRole.Inbound => inbound.HandleAsync(context),
            ListenerRole.OutboundHttp o => httpProxy.HandleAsync(context, o.Route),
            ListenerRole.Admin => admin.HandleAsync(context),
            _ => Results.StatusCode(500).ExecuteAsync(context),
        });

        fetchSvid ??= CreateCaFetcher(options);
        var identityManager = new IdentityManager(identities, fetchSvid, credentials, time, loggers.CreateLogger<IdentityManager>());
        await app.StartAsync(ct).ConfigureAwait(false);
        // Certificates are fetched in the background; until each arrives its handshakes fail closed.
        _ = identityManager.StartAsync(CancellationToken.None);
        LogStarted(logger, options.Node, inboundListen!.IPEndPoint!.ToString(), identities.Count, outboundListen.Count);
        return new AgentHost(app, identityManager, policies, decisionLog, pool, inbound, admin, inboundListen, adminListen, outboundListen, metrics);
    }

    /// <summary>Waits until every identity this node serves has a valid certificate.</summary>
    public async Task WaitReadyAsync(CancellationToken ct)
    {
        while (MissingIdentities().Count > 0)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    public Task FlushDecisionLogAsync(CancellationToken ct = default) => _decisionLog.FlushAsync(ct);

    /// <summary>Reloads policies now instead of waiting for the directory watcher.</summary>
    public bool ReloadPolicies() => _policies.Reload();

    private static Func<SpiffeId, CancellationToken, Task<IssuedSvid>> CreateCaFetcher(AgentOptions options)
    {
        TrustBundle caTrust;
        try
        {
            caTrust = TrustBundle.FromPem(options.TrustDomain, File.ReadAllText(options.Ca.RootCertPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigException($"ca.rootCert: cannot load {options.Ca.RootCertPath}: {e.Message}");
        }
        var client = new CaClient(new CaClientOptions(options.Ca.Address, caTrust, options.Ca.BootstrapToken));
        return client.RequestSvidAsync;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _identities.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _decisionLog.DisposeAsync().ConfigureAwait(false);
        _pool.Dispose();
        _inbound.Dispose();
        _policies.Dispose();
        Metrics.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent for node {Node} listening: inbound mTLS on {Inbound}, {Identities} identities, {Outbound} outbound listeners")]
    private static partial void LogStarted(ILogger logger, string node, string inbound, int identities, int outbound);
}
