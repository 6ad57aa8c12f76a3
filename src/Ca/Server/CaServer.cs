using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Ca;

/// <summary>
/// The mesh CA: a gRPC service on Kestrel (HTTP/2, TLS 1.3 only) whose own server certificate is
/// an X.509-SVID for <see cref="CaId"/>, issued by the current signing intermediate. Key material
/// lives in a <see cref="CaKeyring"/> that rotation swaps without restarting Kestrel.
/// </summary>
public sealed partial class CaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CaKeyMaterial _keys;
    private readonly ServerCredential _serverCredential;
    private readonly AuditLog _audit;
    private readonly ITimer _timer;
    private int _stopped;

    private CaServer(WebApplication app, CaKeyMaterial keys, ServerCredential serverCredential, AuditLog audit, ITimer timer, Uri address, SpiffeId caId)
    {
        _app = app;
        _keys = keys;
        _serverCredential = serverCredential;
        _audit = audit;
        _timer = timer;
        Address = address;
        CaId = caId;
    }

    /// <summary>https://127.0.0.1:&lt;bound port&gt;.</summary>
    public Uri Address { get; }

    /// <summary>PEM of the trust bundle written under StateDir (rewritten when it changes), for agents to read.</summary>
    public string RootCertPath => _keys.BundlePath;

    public TrustBundle Bundle => _keys.Keyring.Current.Bundle;

    /// <summary>spiffe://&lt;td&gt;/ns/mesh-system/sa/mesh-ca.</summary>
    public SpiffeId CaId { get; }

    internal CaKeyring Keyring => _keys.Keyring;

    internal X509Certificate2 ServerCertificate => _serverCredential.Certificate;

    public static async Task<CaServer> StartAsync(CaOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var logger = loggerFactory.CreateLogger<CaServer>();

        var keys = CaKeyMaterial.Open(options, time, logger);
        AuditLog? audit = null;
        JwtAuthority? jwt = null;
        try
        {
            audit = new AuditLog(options.ResolvedAuditLogPath);
            var caId = SpiffeId.ForWorkload(options.TrustDomain, "mesh-system", "mesh-ca");
            var serverCredential = new ServerCredential(
                new Issuer(keys.Keyring, options with { MaxTtl = TimeSpan.MaxValue }, time), keys.Keyring, time, caId);

            var registry = new WorkloadRegistry(options.WorkloadRegistryPath, time, loggerFactory.CreateLogger<WorkloadRegistry>());
            registry.LoadInitial();
            var kubernetes = options.Kubernetes is { } k8s ? new KubernetesTokenValidator(k8s, time) : null;
            var keyring = keys.Keyring;
            var authenticator = new CallerAuthenticator(options.StateDir, () => keyring.Current.Bundle, () => [.. keyring.Current.Intermediates], kubernetes, time);
            var issuer = new Issuer(keyring, options, time, authenticator: authenticator, registry: registry);
            jwt = JwtAuthority.LoadOrCreate(options.StateDir, logger);
            var app = Build(options, loggerFactory, time, keyring, audit, issuer, serverCredential, jwt);
            app.Lifetime.ApplicationStopped.Register(jwt.Dispose);
            await app.StartAsync(ct).ConfigureAwait(false);
            var address = BoundAddress(app);
            LogStarted(logger, address, caId);
            var period = options.Rotation.PollInterval;
            var timer = time.CreateTimer(_ => Maintain(keys, serverCredential, logger), null, period, period);
            return new CaServer(app, keys, serverCredential, audit, timer, address, caId);
        }
        catch
        {
            jwt?.Dispose();
            audit?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One maintenance pass, what the timer runs every poll interval: advance or follow the
    /// rotation journal, then renew the CA's own certificate if it is past half-life. Tests call
    /// it directly after moving a fake clock.
    /// </summary>
    internal void Tick()
    {
        _keys.Driver?.Tick();
        _serverCredential.RenewIfDue(_keys.Keyring.Current);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _audit.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>The timer's pass. A timer callback that throws would take the process down; a failed pass is logged and retried at the next poll.</summary>
    private static void Maintain(CaKeyMaterial keys, ServerCredential serverCredential, ILogger logger)
    {
        try
        {
            keys.Driver?.TickLogged();
            serverCredential.RenewIfDue(keys.Keyring.Current);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogMaintenanceFailed(logger, e);
        }
    }

    private static WebApplication Build(CaOptions options, ILoggerFactory loggerFactory, TimeProvider time,
        CaKeyring keyring, AuditLog audit, Issuer issuer, ServerCredential serverCredential, JwtAuthority jwt)
    {
        // The empty builder reads no appsettings or ASPNETCORE_* variables: what the CA listens
        // on and trusts comes from CaOptions alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(CaServer).Assembly.GetName().Name });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(keyring);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(issuer);
        builder.Services.AddSingleton(new JwtSvidIssuer(issuer, jwt, options, time));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                // Per-handshake options: each connection takes the credential current at that
                // moment, so a rotation reaches new connections without restarting Kestrel.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                    OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = serverCredential.Context,
                        EnabledSslProtocols = SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2],
                        // Nodes renew with their node certificate; first contact has none and presents a token. The
                        // certificate is verified against the bundle by CallerAuthenticator, which can say why it was
                        // refused and audit it, instead of a bare handshake failure. The intermediates the node sent
                        // are kept for that check: a node certificate from before an intermediate rotation chains
                        // through an intermediate this CA no longer signs with.
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, _, chain, _) =>
                        {
                            PeerIntermediates.Keep(context.Connection, chain);
                            return true;
                        },
                    }),
                });
            });
        });

        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<CertificateAuthorityService>();
        return app;
    }

    private static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var bound = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no bound address");
        return new Uri(bound);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Mesh CA listening on {Address} as {CaId}")]
    private static partial void LogStarted(ILogger logger, Uri address, SpiffeId caId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "CA maintenance pass failed; retrying at the next poll")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
