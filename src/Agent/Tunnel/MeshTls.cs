using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Agent.Tunnel;

/// <summary>The agent-to-agent TLS profile: TLS 1.3 only, ALPN h2, both sides present SVIDs, peers verified against the trust bundle.</summary>
public static class MeshTls
{
    public const SslProtocols Protocols = SslProtocols.Tls13;

    /// <summary>ALPN of the agent-to-agent multiplexing protocol (docs/protocol.md).</summary>
    public static readonly SslApplicationProtocol Alpn = new("mesh-mux/1");
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Verifies a peer's certificate as an SVID of this trust domain. System roots and DNS names play no part:
    /// the chain must build to the mesh trust bundle, and the identity is the certificate's one SPIFFE URI SAN.
    /// </summary>
    public static PeerVerification VerifyPeer(X509Certificate? certificate, X509Chain? chain, TrustBundle? bundle, DateTimeOffset now)
    {
        if (bundle is null)
        {
            return new PeerVerification(false, null, "no trust bundle yet (no certificate has been issued to this agent)");
        }
        if (certificate is null)
        {
            return new PeerVerification(false, null, "peer presented no certificate");
        }
        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        // The certificates the peer sent besides its leaf, which .NET puts in the chain's extra store.
        var intermediates = chain?.ChainPolicy.ExtraStore;
        return SvidValidator.VerifyPeer(leaf, intermediates, bundle, now);
    }
}
