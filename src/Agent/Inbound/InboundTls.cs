using System.Net.Security;
using Mesh.Agent.Identity;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Per-handshake TLS options for the inbound listener: the certificate of the workload the client asked for (by SNI),
/// a client certificate required and verified as an SVID of this trust domain. No valid certificate: no handshake.
/// </summary>
internal sealed partial class InboundTls(CredentialStore credentials, IReadOnlyDictionary<string, SpiffeId> bySni, SpiffeId defaultIdentity, AgentMetrics metrics, TimeProvider time, ILogger<InboundTls> logger)
{
    public ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
    {
        var sni = context.ClientHelloInfo.ServerName;
        SpiffeId? local;
        if (string.IsNullOrEmpty(sni))
        {
            // Clients that send no SNI (e.g. openssl s_client to an IP) get the node's first workload; the
            // client certificate requirement below still applies.
            local = defaultIdentity;
        }
        else if (!bySni.TryGetValue(sni, out local))
        {
            LogRefused(logger, context.Connection.RemoteEndPoint?.ToString(), $"server name '{sni}' names no workload on this node");
            throw new AuthenticationFailedException($"unknown server name '{sni}'");
        }
        if (!credentials.TryGet(local, out var own))
        {
            LogRefused(logger, context.Connection.RemoteEndPoint?.ToString(), $"no valid certificate for {local} yet");
            throw new AuthenticationFailedException($"no certificate for {local}");
        }
        var connection = new InboundConnection(local);
        InboundConnection.Attach(context.Connection.Items, connection);
        var remote = context.Connection.RemoteEndPoint?.ToString();
        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = own.Context,
            ClientCertificateRequired = true,
            // Every connection proves its identity with a full handshake; no session tickets to resume from.
            AllowTlsResume = false,
            EnabledSslProtocols = MeshTls.Protocols,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, cert, chain, _) =>
            {
                var result = MeshTls.VerifyPeer(cert, chain, credentials.Bundle, time.GetUtcNow());
                if (!result.Ok)
                {
                    LogRefused(logger, remote, result.Failure!);
                    return false;
                }
                connection.Peer = result.Id;
                metrics.InboundHandshake();
                return true;
            },
        });
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Inbound TLS handshake from {Remote} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? remote, string reason);
}

/// <summary>Thrown from the handshake callback to abort a handshake; Kestrel closes the connection.</summary>
internal sealed class AuthenticationFailedException(string message) : Exception(message);
