using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Admin;
using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Inbound;
using Mesh.Agent.Intercept;
using Mesh.Agent.Net;
using Mesh.Agent.Outbound;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Agent.WorkloadApi;
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
/// One running node agent: identity manager, policy store, decision log, the inbound mTLS listener, the outbound
/// listeners and the admin listener. Raw TCP listeners are plain socket loops; everything that speaks HTTP
/// (outbound HTTP listeners, HTTP streams from peers, admin) is one Kestrel server.
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
    private readonly SocketListener _inboundListener;
    private readonly List<SocketListener> _tcpListeners;
    private readonly ListenOptions? _adminListen;
    private readonly List<Func<IPEndPoint>> _outboundEndpoints;
    private NodeIdentity? _node;
    private Task _nodeLoop = Task.CompletedTask;
    private CancellationTokenSource _stopNode = new();
    private WorkloadApiServer? _workloadApi;
    private ServiceClusters? _clusters;
    private Discovery.ServiceCatalog? _catalog;

    private AgentHost(WebApplication app, IdentityManager identities, PolicyStore policies, JsonLinesDecisionLog decisionLog, PeerConnectionPool pool,
        InboundHandler inbound, AdminEndpoints admin, SocketListener inboundListener, List<SocketListener> tcpListeners, ListenOptions? adminListen,
        List<Func<IPEndPoint>> outboundEndpoints, AgentMetrics metrics)
    {
        _app = app;
        _identities = identities;
        _policies = policies;
        _decisionLog = decisionLog;
        _pool = pool;
        _inbound = inbound;
        _admin = admin;
        _inboundListener = inboundListener;
        _tcpListeners = tcpListeners;
        _adminListen = adminListen;
        _outboundEndpoints = outboundEndpoints;
        Metrics = metrics;
    }

    /// <summary>
    /// Run request code on the socket threads instead of hopping to the thread pool. On a 2-core node most of the
    /// proxy's CPU went to those hops (PERF-NOTES); every handler in the agent is asynchronous and never blocks.
    /// </summary>
    public static bool InlineScheduling { get; set; } = Environment.GetEnvironmentVariable("MESH_INLINE_SCHEDULING") != "0";

    public AgentMetrics Metrics { get; }

    /// <summary>The services the agent knows now (registry file, DNS, Kubernetes), or the configured registry.</summary>
    internal ServiceRegistry CurrentRegistry => _catalog?.Current ?? _registry;

    private ServiceRegistry _registry = ServiceRegistry.Empty;

    /// <summary>How many policy sets have been loaded (the first load is 1); a reload that applies adds one.</summary>
    internal int PolicyGeneration => _policies.Generation;

    /// <summary>The pods served in-pod (transparent interception); null without an intercept section.</summary>
    internal PodManager? Pods { get; private init; }
    public IPEndPoint InboundEndpoint => _inboundListener.LocalEndPoint;
    public IPEndPoint? AdminEndpoint => _adminListen?.IPEndPoint;

    /// <summary>The outbound listeners' bound addresses, in the order of <see cref="AgentOptions.Outbound"/>.</summary>
    public IReadOnlyList<IPEndPoint> OutboundEndpoints => _outboundEndpoints.Select(e => e()).ToList();
    public IReadOnlyList<SpiffeId> MissingIdentities() => _admin.MissingIdentities();

    /// <summary>The Workload API's Unix socket, when configured.</summary>
    public string? WorkloadApiSocket => _workloadApi?.SocketPath;

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
        if (options.Intercept is { } podsConfig)
        {
            // Checked before anything starts: an agent does not start on a pods file with errors (reloads keep the last good set).
            PodsLoader.Load(podsConfig.PodsFile, options.TrustDomain);
        }
        // The empty builder: no configuration files (and so no file watchers woken by every log write in the working
        // directory), no default logging, only the Kestrel core. The agent's config is AgentOptions, nothing else.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = InlineScheduling);
        var muxTransport = new MuxTransport();
        builder.Services.AddSingleton<IConnectionListenerFactory>(muxTransport);
        builder.Services.AddLogging(configureLogging);
        builder.Services.AddHttpForwarder();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var metrics = new AgentMetrics();
        var credentials = new CredentialStore(options.TrustDomain, time);
        var identities = options.Workloads.Select(w => w.Identity).Distinct().ToList();
        var bySni = identities.ToDictionary(SniNames.For, id => id, StringComparer.Ordinal);

        ListenOptions? adminListen = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            // Handed-over HTTP: peers' tunnel streams and apps' connections (outbound listeners, captured). One endpoint per
            // protocol: Kestrel cannot tell h2c from HTTP/1.1 on cleartext, so the agent sniffs and picks (HttpSniffer).
            foreach (var kind in new[] { HttpKind.Http1, HttpKind.Http2 })
            {
                k.Listen(new MuxEndPoint(kind), lo =>
                {
                    lo.Protocols = kind == HttpKind.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
                    // App connections carry their own role (outbound HTTP); the rest are peers' streams.
                    lo.Use(next => ctx =>
                    {
                        if (!ctx.Items.ContainsKey(ListenerRole.ItemKey))
                        {
                            ListenerRole.Attach(ctx.Items, new ListenerRole.InboundHttp());
                        }
                        return next(ctx);
                    });
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

        var policies = PolicyStore.Open(options.PoliciesDir, new PolicyLoaderOptions { RootNamespace = options.RootNamespace, DefaultMtlsMode = options.DefaultMtlsMode }, loggers.CreateLogger<PolicyStore>());
        var decisionLog = OpenDecisionLog(options, time, logger);
        var pool = new PeerConnectionPool(credentials, metrics, time, options.StreamOpenTimeout, loggers.CreateLogger<PeerConnectionPool>());
        var inboundTls = new InboundTls(credentials, bySni, identities.FirstOrDefault() ?? SpiffeId.ForWorkload(options.TrustDomain, "none", "none"), metrics, time, loggers.CreateLogger<InboundTls>());
        // One cluster per service an outbound listener reaches: its balancer, health checks (through the mesh, as the first
        // local workload that calls it), circuit breaker and retry budget, shared by every listener to that service.
        // The registry: the file watched (plus the DNS services it defines) when the config names one, else as given.
        Discovery.ServiceCatalog? catalog = null;
        Func<ServiceRegistry> currentRegistry = () => options.Registry;
        if (options.RegistryPath is { } registryPath)
        {
            Discovery.IServiceSource? kubernetes = null;
            if (options.Kubernetes is { } k)
            {
                var kubeOptions = new Discovery.Kubernetes.KubernetesSourceOptions { TrustDomain = options.TrustDomain, NodeName = options.Node, AgentPort = k.AgentPort };
                var kubeLogger = loggers.CreateLogger<Discovery.Kubernetes.KubernetesServiceSource>();
                kubernetes = k.ApiServer is { } server
                    ? Discovery.Kubernetes.KubernetesServiceSource.ForServer(server, kubeOptions, kubeLogger, time)
                    : Discovery.Kubernetes.KubernetesServiceSource.InCluster(kubeOptions, kubeLogger, time);
            }
            catalog = Discovery.ServiceCatalogFactory.Create(registryPath, new Discovery.DnsSourceOptions(), loggers, kubernetes, time);
            await catalog.StartAsync(ct).ConfigureAwait(false);
            currentRegistry = () => catalog.Current;
        }
        var clusters = new ServiceClusters(pool, time, loggers);
        foreach (var o in options.Outbound)
        {
            clusters.GetOrAdd(currentRegistry().Find(o.Service) ?? options.Registry.Find(o.Service)!, o.Source.Identity);
        }
        // A service that leaves the registry keeps its listener but has no endpoints (503, connections closed).
        if (catalog is not null)
        {
            catalog.Changed += clusters.Update;
        }
        var routes = options.Outbound.Select(o =>
        {
            var cluster = clusters.All.Single(c => c.Name == o.Service);
            return new OutboundRoute(o, cluster, cluster.Service.FindPort(o.ServicePort)!);
        }).ToList();
        var tcpProxy = new OutboundTcpProxy(pool, metrics, time, loggers.CreateLogger<OutboundTcpProxy>());
        var httpProxy = new OutboundHttpProxy(forwarder, pool, metrics, time, loggers.CreateLogger<OutboundHttpProxy>());
        var authorizer = new InboundAuthorizer(policies, decisionLog, options.DecisionLog.OnFailure,
            new FieldRedaction(options.DecisionLog.RedactHash, options.DecisionLog.RedactDrop), metrics, time);
        var localWorkloads = new LocalWorkloads(options.Workloads);
        var authenticator = new Authn.RequestAuthenticator(new Authn.JwksSources(Authn.JwksHttp.Shared, options.Jwt.Fetch, time, loggers), options.Jwt, time);
        var inbound = new InboundHandler(localWorkloads, authorizer, authenticator, forwarder, muxTransport, metrics, loggers.CreateLogger<InboundHandler>());
        var inboundListener = new InboundListener(inboundTls, inbound, currentRegistry, loggers.CreateLogger<InboundListener>());
        var admin = new AdminEndpoints(credentials, identities, policies, decisionLog, options.DecisionLog.OnFailure, metrics);
        // A reload re-decides open TCP connections; requests on HTTP streams are each decided anyway.
        policies.Changed += _ => inbound.CloseDeniedConnections();

        app.Run(context => ListenerRole.From(context) switch
        {
            ListenerRole.InboundHttp => inbound.HandleHttpAsync(context),
            ListenerRole.OutboundHttp o => httpProxy.HandleAsync(context, o.Route),
            ListenerRole.Admin => admin.HandleAsync(context),
            _ => Results.StatusCode(500).ExecuteAsync(context),
        });

        NodeIdentity? node = null;
        if (fetchSvid is null)
        {
            node = CreateNodeIdentity(options, credentials, time, loggers);
            fetchSvid = async (id, token) => await (await node.ClientAsync(token).ConfigureAwait(false)).RequestSvidAsync(id, token).ConfigureAwait(false);
        }
        var identityManager = new IdentityManager(identities, fetchSvid, credentials, time, loggers.CreateLogger<IdentityManager>());
        var workloadApi = await WorkloadApiStartup.StartAsync(options, credentials, node, time, configureLogging, loggers, ct).ConfigureAwait(false);
        await app.StartAsync(ct).ConfigureAwait(false);
        var listenerLogger = loggers.CreateLogger<SocketListener>();
        var inboundSocket = SocketListener.Start(options.InboundListen, inboundListener.HandleAsync, listenerLogger);
        var tcpListeners = new List<SocketListener>();
        var outboundEndpoints = new List<Func<IPEndPoint>>();
        var handover = new HttpHandover(muxTransport);
        foreach (var route in routes)
        {
            // TCP ports relay bytes; HTTP ports hand each connection to Kestrel (HTTP/1.1 or h2c) with the route attached.
            Func<Socket, CancellationToken, Task> handle = route.Port.Protocol == PortProtocol.Tcp
                ? (socket, token) => tcpProxy.HandleAsync(socket, route, token)
                : (socket, token) => handover.HandOverAsync(socket, items => ListenerRole.Attach(items, new ListenerRole.OutboundHttp(route)), token);
            var listener = SocketListener.Start(route.Listener!.Listen, handle, listenerLogger);
            tcpListeners.Add(listener);
            outboundEndpoints.Add(() => listener.LocalEndPoint);
        }
        // Certificates are fetched in the background; until each arrives its handshakes fail closed.
        var stopNode = new CancellationTokenSource();
        var nodeLoop = node is null ? Task.CompletedTask : Task.WhenAll(
            Task.Run(() => node.RunAsync(stopNode.Token), CancellationToken.None),
            Task.Run(() => new TrustBundleWatcher(node, credentials, options.BundleRefresh, time, loggers.CreateLogger<TrustBundleWatcher>()).RunAsync(stopNode.Token), CancellationToken.None));
        _ = identityManager.StartAsync(CancellationToken.None);
        PodManager? pods = null;
        if (options.Intercept is { } intercept)
        {
            var captured = new InterceptedOutbound(currentRegistry, clusters, intercept, tcpProxy, handover, metrics, loggers.CreateLogger<InterceptedOutbound>());
            var plaintext = new PlaintextInbound(policies, authorizer, inbound, handover, metrics, loggers.CreateLogger<PlaintextInbound>());
            var traffic = new PodTraffic(captured.HandleAsync, plaintext.HandleAsync, (socket, pod, token) => inboundListener.HandleAsync(socket, pod.Pod, pod.Backend, token));
            pods = new PodManager(intercept, options.TrustDomain, localWorkloads, identityManager, pool, traffic, identities.ToHashSet(), loggers.CreateLogger<PodManager>());
            await pods.StartAsync().ConfigureAwait(false);
            admin.Pods = pods;
        }
        admin.Clusters = clusters;
        LogStarted(logger, options.Node, inboundSocket.LocalEndPoint.ToString(), identities.Count, routes.Count);
        return new AgentHost(app, identityManager, policies, decisionLog, pool, inbound, admin, inboundSocket, tcpListeners, adminListen, outboundEndpoints, metrics)
        {
            _node = node,
            _nodeLoop = nodeLoop,
            _stopNode = stopNode,
            _workloadApi = workloadApi,
            Pods = pods,
            _clusters = clusters,
            _catalog = catalog,
            _registry = options.Registry,
        };
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

    /// <summary>A log that cannot be opened does not stop the start: the agent fails closed (or open) on it, and says so loudly.</summary>
    private static JsonLinesDecisionLog OpenDecisionLog(AgentOptions options, TimeProvider time, ILogger logger)
    {
        var settings = options.DecisionLog;
        return new JsonLinesDecisionLog(new DecisionLogOptions
        {
            Path = options.DecisionLogPath,
            Node = options.Node,
            MaxBytes = settings.MaxBytes,
            Keep = settings.Keep,
            HmacKey = settings.HmacKey,
            Time = time,
            OnFailure = e => LogDecisionLogFailed(logger, options.DecisionLogPath, e.Message,
                settings.OnFailure == DecisionLogFailureMode.Closed
                    ? "failing closed: every request is denied (decision_log_unavailable) and /ready reports it until the agent is restarted with a writable log"
                    : "failing open (decisionLog.onFailure: open): requests are decided by policy but NOT AUDITED", e),
        });
    }

    private static NodeIdentity CreateNodeIdentity(AgentOptions options, CredentialStore credentials, TimeProvider time, ILoggerFactory loggers)
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
        // The CA is verified against the newest bundle the agent has seen (a root rotation reaches it that way),
        // falling back to the configured root before the first certificate arrives.
        return new NodeIdentity(options.Node, options.TrustDomain, options.Ca, () => credentials.Bundle ?? caTrust, time, loggers.CreateLogger<NodeIdentity>());
    }

    public async ValueTask DisposeAsync()
    {
        if (Pods is not null)
        {
            await Pods.DisposeAsync().ConfigureAwait(false);
        }
        await _inboundListener.DisposeAsync().ConfigureAwait(false);
        foreach (var listener in _tcpListeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        if (_workloadApi is not null)
        {
            await _workloadApi.DisposeAsync().ConfigureAwait(false);
        }
        await _app.StopAsync().ConfigureAwait(false);
        if (_catalog is not null)
        {
            await _catalog.DisposeAsync().ConfigureAwait(false);
        }
        if (_clusters is not null)
        {
            await _clusters.DisposeAsync().ConfigureAwait(false);
        }
        await _identities.DisposeAsync().ConfigureAwait(false);
        await _stopNode.CancelAsync().ConfigureAwait(false);
        await _nodeLoop.ConfigureAwait(false);
        _stopNode.Dispose();
        _node?.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
        await _decisionLog.DisposeAsync().ConfigureAwait(false);
        _policies.Dispose();
        Metrics.Dispose();
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "Decision log {Path} cannot be written: {Error}; {Consequence}")]
    private static partial void LogDecisionLogFailed(ILogger logger, string path, string error, string consequence, Exception exception);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent for node {Node} listening: inbound mTLS on {Inbound}, {Identities} identities, {Outbound} outbound listeners")]
    private static partial void LogStarted(ILogger logger, string node, string inbound, int identities, int outbound);
}
