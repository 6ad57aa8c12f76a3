using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Ca;

/// <summary>
/// The mesh CA: a gRPC service on Kestrel (HTTP/2, TLS 1.3 only) whose own server certificate is
/// an X.509-SVID for <see cref="CaId"/>, issued from the root at startup.
/// </summary>
public sealed partial class CaServer : IAsyncDisposable
{
    /// <summary>The CA's own server cert lives this long; restart (or rotation, not yet built) renews it.</summary>
    internal static readonly TimeSpan ServerCertTtl = TimeSpan.FromDays(30);

    private readonly WebApplication _app;
    private readonly RootAuthority _root;
    private readonly AuditLog _audit;
    private readonly X509Certificate2 _serverCert;
    private int _stopped;

    private CaServer(WebApplication app, RootAuthority root, AuditLog audit, X509Certificate2 serverCert, Uri address, SpiffeId caId)
    {
        _app = app;
        _root = root;
        _audit = audit;
        _serverCert = serverCert;
        Address = address;
        CaId = caId;
    }

    /// <summary>https://127.0.0.1:&lt;bound port&gt;.</summary>
    public Uri Address { get; }

    /// <summary>PEM of the trust bundle written under StateDir, for agents to read.</summary>
    public string RootCertPath => _root.BundlePath;

    public TrustBundle Bundle => _root.Bundle;

    /// <summary>spiffe://&lt;td&gt;/ns/mesh-system/sa/mesh-ca.</summary>
    public SpiffeId CaId { get; }

    public static async Task<CaServer> StartAsync(CaOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var logger = loggerFactory.CreateLogger<CaServer>();

        var root = RootAuthority.LoadOrCreate(options, time, logger);
        AuditLog? audit = null;
        X509Certificate2? serverCert = null;
        JwtAuthority? jwt = null;
        try
        {
            audit = new AuditLog(options.ResolvedAuditLogPath);
            var issuer = new Issuer(root, options with { MaxTtl = TimeSpan.MaxValue }, time);
            var caId = SpiffeId.ForWorkload(options.TrustDomain, "mesh-system", "mesh-ca");
            serverCert = IssueServerCertificate(issuer, caId);

            var registry = new WorkloadRegistry(options.WorkloadRegistryPath, time, loggerFactory.CreateLogger<WorkloadRegistry>());
            registry.LoadInitial();
            var kubernetes = options.Kubernetes is { } k8s ? new KubernetesTokenValidator(k8s, time) : null;
            var authenticator = new CallerAuthenticator(options.StateDir, () => root.Bundle, () => null, kubernetes, time);
            jwt = JwtAuthority.LoadOrCreate(options.StateDir, logger);
            var app = Build(options, loggerFactory, time, root, audit, new Issuer(root, options, time, authenticator: authenticator, registry: registry), serverCert, jwt);
            app.Lifetime.ApplicationStopped.Register(jwt.Dispose);
            await app.StartAsync(ct).ConfigureAwait(false);
            var address = BoundAddress(app);
            LogStarted(logger, address, caId);
            return new CaServer(app, root, audit, serverCert, address, caId);
        }
        catch
        {
            serverCert?.Dispose();
            jwt?.Dispose();
            audit?.Dispose();
            root.Dispose();
            throw;
        }
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _audit.Dispose();
        _serverCert.Dispose();
        _root.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static X509Certificate2 IssueServerCertificate(Issuer issuer, SpiffeId caId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = new PublicKey(key);
        return issuer.Sign(publicKey, caId, (long)ServerCertTtl.TotalSeconds) switch
        {
            IssuanceOutcome.Issued issued => WithKey(issued.Leaf, key),
            IssuanceOutcome.Refused refused => throw new InvalidOperationException($"cannot issue the CA server certificate: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable: IssuanceOutcome is closed"),
        };
    }

    private static X509Certificate2 WithKey(X509Certificate2 leaf, ECDsa key)
    {
        using (leaf)
        {
            return leaf.CopyWithPrivateKey(key);
        }
    }

    private static WebApplication Build(CaOptions options, ILoggerFactory loggerFactory, TimeProvider time,
        RootAuthority root, AuditLog audit, Issuer issuer, X509Certificate2 serverCert, JwtAuthority jwt)
    {
        // The empty builder reads no appsettings or ASPNETCORE_* variables: what the CA listens
        // on and trusts comes from CaOptions alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(CaServer).Assembly.GetName().Name });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(root);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(issuer);
        builder.Services.AddSingleton(new JwtSvidIssuer(issuer, jwt, options, time));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serverCert;
                    https.SslProtocols = SslProtocols.Tls13;
                    https.HandshakeTimeout = TimeSpan.FromSeconds(10);
                    // Nodes renew with their node certificate; first contact has none and presents a token. The
                    // certificate is verified against the trust bundle by CallerAuthenticator, which can say why
                    // it was refused and audit it, instead of a bare handshake failure.
                    https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
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
}
