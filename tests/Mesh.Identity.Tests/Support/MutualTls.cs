using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests;

/// <summary>A real loopback TLS 1.3 handshake in which both sides verify the other with VerifyPeer.</summary>
internal static class MutualTls
{
    internal static async Task<(SpiffeId? ServerSaw, SpiffeId? ClientSaw)> HandshakeAsync(IssuedSvid server, IssuedSvid client)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        SpiffeId? serverSaw = null;
        SpiffeId? clientSaw = null;

        bool Verify(X509Certificate? cert, X509Chain? chain, IssuedSvid self, out SpiffeId? saw)
        {
            saw = null;
            if (cert is null)
            {
                return false;
            }

            var result = SvidValidator.VerifyPeer(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()), chain?.ChainPolicy.ExtraStore, self.Bundle);
            saw = result.Id;
            return result.Ok;
        }

        var serverTask = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(tcp.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                // The intermediate goes on the wire with the leaf, as the agent's CredentialStore sends it.
                ServerCertificateContext = SslStreamCertificateContext.Create(server.Leaf, server.Intermediates, offline: true),
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, c, chain, _) => Verify(c, chain, server, out serverSaw),
            });
            await ssl.WriteAsync(new byte[] { 1 });
        });

        using var tcpClient = new TcpClient();
        await tcpClient.ConnectAsync(IPAddress.Loopback, port);
        await using var clientSsl = new SslStream(tcpClient.GetStream());
        await clientSsl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificateContext = SslStreamCertificateContext.Create(client.Leaf, client.Intermediates, offline: true),
            EnabledSslProtocols = SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, c, chain, _) => Verify(c, chain, client, out clientSaw),
        });
        var buffer = new byte[1];
        await clientSsl.ReadExactlyAsync(buffer);
        await serverTask;
        return (serverSaw, clientSaw);
    }
}
