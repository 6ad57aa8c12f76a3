using System.Net.Security;
using Mesh.Agent.Identity;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Per-handshake TLS options for the inbound listener: the certificate of the workload the client asked for (by SNI),
/// a client certificate required and verified as an SVID of this trust domain. No valid certificate: no handshake.
/// </summary>
internal sealed partial class InboundTls(CredentialStore credentials, IReadOnlyDictionary<string, SpiffeId> bySni, SpiffeId defaultIdentity, AgentMetrics metrics, TimeProvider time, ILogger<InboundTls> logger)
{
    /// <summary>Chooses the server certificate for one handshake; <paramref name="connection"/> records what the handshake proves.</summary>
    /// <param name="only">In-pod: the pod's identity, the only one this listener presents.</param>
    public SslServerAuthenticationOptions OptionsFor(string? sni, string remote, InboundConnection connection, SpiffeId? only = null)
    {
        SpiffeId? local;
        if (only is not null)
        {
            if (!string.IsNullOrEmpty(sni) && sni != SniNames.For(only))
            {
                LogRefused(logger, remote, $"server name '{sni}' is not {only}, the identity of the pod this listener is in");
                throw new AuthenticationFailedException($"unknown server name '{sni}'");
            }
            local = only;
        }
        else if (string.IsNullOrEmpty(sni))
        {
            // Clients that send no SNI (e.g. openssl s_client to an IP) get the node's first workload; the
            // client certificate requirement below still applies.
            local = defaultIdentity;
        }
        else if (!bySni.TryGetValue(sni, out local))
        {
            LogRefused(logger, remote, $"server name '{sni}' names no workload on this node");
            throw new AuthenticationFailedException($"unknown server name '{sni}'");
        }
        if (!credentials.TryGet(local, out var own))
        {
            LogRefused(logger, remote, $"no valid certificate for {local} yet");
            throw new AuthenticationFailedException($"no certificate for {local}");
        }
        connection.LocalIdentity = local;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = own.Context,
            ClientCertificateRequired = true,
            // Every connection proves its identity with a full handshake; no session tickets to resume from.
            AllowTlsResume = false,
            EnabledSslProtocols = MeshTls.Protocols,
            // Standard protocols are offered too, only so that a client of the wrong kind (curl, a browser) fails on its
            // certificate, the reason that matters, rather than on ALPN; InboundListener then closes it for the protocol.
            ApplicationProtocols = [MeshTls.Alpn, SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
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
        };
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Inbound TLS handshake from {Remote} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? remote, string reason);
}

/// <summary>Thrown from the handshake callback to abort a handshake.</summary>
internal sealed class AuthenticationFailedException(string message) : Exception(message);
