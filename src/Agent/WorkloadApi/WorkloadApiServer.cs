using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// The SPIFFE Workload Endpoint: gRPC over plaintext HTTP/2 on a Unix domain socket (Workload Endpoint spec 3: no
/// transport security; the kernel tells us who connected). Its own small Kestrel server, so nothing that arrives on
/// the agent's TCP listeners can reach these methods. Callers are attested once per connection, when they connect.
/// </summary>
internal sealed partial class WorkloadApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly JwtBundleSource? _jwtBundle;

    private WorkloadApiServer(WebApplication app, string socketPath, JwtBundleSource? jwtBundle)
    {
        _app = app;
        SocketPath = socketPath;
        _jwtBundle = jwtBundle;
    }

    public string SocketPath { get; }

    /// <param name="jwt">Null when the agent has no CA client: JWT methods then answer Unavailable.</param>
    public static async Task<WorkloadApiServer> StartAsync(WorkloadApiOptions options, IReadOnlyList<LocalWorkload> workloads, CredentialStore credentials,
        JwtProfile? jwt, Action<ILoggingBuilder> configureLogging, CancellationToken ct)
    {
        var path = options.SocketPath;
        UnixSocketPath.Prepare(path);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddLogging(configureLogging);
        builder.Services.AddRouting();
        builder.Services.AddGrpc(o => o.Interceptors.Add<WorkloadApiGuard>());
        builder.Services.AddSingleton<WorkloadApiGuard>();
        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton(sp => new WorkloadApiService(credentials, jwt, sp.GetRequiredService<ILogger<WorkloadApiService>>()));
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var attestor = new WorkloadAttestor(workloads, FileIdentity.Of);
        ILogger? logger = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(path, lo =>
            {
                lo.Protocols = HttpProtocols.Http2;
                lo.Use(next => connection =>
                {
                    // At accept, before any request: the pid is read while the caller is most surely still itself.
                    var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
                    var peer = socket is null ? null : PeerCredentials.TryRead(socket);
                    CallerAttestation attestation = peer is { } p
                        ? attestor.Attest(CallerFacts.Read(p))
                        : new CallerAttestation.Unattested("peer credentials unavailable");
                    WorkloadApiGuard.Attach(connection.Items, attestation);
                    if (logger is not null)
                    {
                        switch (attestation)
                        {
                            case CallerAttestation.Attested a:
                                LogAttested(logger, a.Facts.Peer.ToString(), string.Join(", ", a.Workloads.Select(w => w.Key)));
                                break;
                            case CallerAttestation.Unattested u:
                                LogUnattested(logger, u.Reason);
                                break;
                        }
                    }
                    return next(connection);
                });
            });
        });

        var app = builder.Build();
        logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<WorkloadApiServer>();
        app.UseRouting();
        app.MapGrpcService<WorkloadApiService>();
        await app.StartAsync(ct).ConfigureAwait(false);
        // Any local process may ask (Workload Endpoint spec 2); who it is decides what it gets. The directory's
        // permissions are the operator's way to narrow that.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        }
        jwt?.Bundle.Start();
        LogListening(logger, path, workloads.Count(w => w.Attest is not null));
        return new WorkloadApiServer(app, path, jwt?.Bundle);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_jwtBundle is not null)
        {
            await _jwtBundle.DisposeAsync().ConfigureAwait(false);
        }
        File.Delete(SocketPath);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Workload API listening on {Path} for {Workloads} attestable workload(s)")]
    private static partial void LogListening(ILogger logger, string path, int workloads);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "Workload API caller {Peer} attested as {Workloads}")]
    private static partial void LogAttested(ILogger logger, string peer, string workloads);

    [LoggerMessage(EventId = 712, Level = LogLevel.Warning, Message = "Workload API caller not attested: {Reason}")]
    private static partial void LogUnattested(ILogger logger, string reason);
}
