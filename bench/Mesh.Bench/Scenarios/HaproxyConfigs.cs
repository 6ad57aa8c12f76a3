using Mesh.Bench.Orchestration;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// HAProxy configs for the two peers. TCP mode: one mTLS connection per client connection. HTTP mode: requests
/// are parsed on both sides and ride a pool of mTLS connections (`http-reuse always`), over h2 or HTTP/1.1.
/// Both sides verify: the server requires a client certificate from the bench CA; the client checks the server's
/// chain and name. TLS 1.3 only.
/// </summary>
internal static class HaproxyConfigs
{
    public const string Tcp = "tcp";
    public const string Http = "http";
    public const string H2 = "h2";
    public const string H1 = "http/1.1";

    public static string Client(string mode, Variant variant, Pki pki) => $"""
        {Global(variant)}
        {Defaults(mode)}
        frontend app_in
            bind {Ports.Host}:{Ports.ClientProxy}
            default_backend mtls_peer

        backend mtls_peer
        {(mode == Http ? "    http-reuse always\n" : "")}    server peer {Ports.Host}:{Ports.ServerProxy} ssl crt {pki.ClientBundle} ca-file {pki.CaCert} verify required verifyhost {Pki.ServerName} sni str({Pki.ServerName}){(mode == Http ? $" alpn {variant.PeerProtocol}" : "")}
        """;

    public static string Server(string mode, Variant variant, Pki pki) => $"""
        {Global(variant)}
        {Defaults(mode)}
        frontend mtls_in
            bind {Ports.Host}:{Ports.ServerProxy} ssl crt {pki.ServerBundle} ca-file {pki.CaCert} verify required{(mode == Http ? " alpn h2,http/1.1" : "")}
            default_backend app

        backend app
        {(mode == Http ? "    http-reuse always\n" : "")}    server nginx {Ports.Host}:{Ports.Backend}
        """;

    private static string Global(Variant variant) => $"""
        global
            nbthread {variant.Workers}
            maxconn 4096
            ssl-default-bind-options ssl-min-ver TLSv1.3
            ssl-default-server-options ssl-min-ver TLSv1.3
        """;

    private static string Defaults(string mode) => $"""
        defaults
            mode {mode}
            maxconn 4096
            timeout connect 5s
            timeout client 60s
            timeout server 60s
        {(mode == Http ? "    timeout http-keep-alive 60s\n    timeout http-request 10s\n" : "")}
        """;
}
