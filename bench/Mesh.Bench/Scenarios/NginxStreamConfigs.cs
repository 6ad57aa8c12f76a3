using Mesh.Bench.Orchestration;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// nginx stream (L4) proxies: the client side originates TLS 1.3 with the client certificate (`proxy_ssl`,
/// verifying the server's chain and name); the server side terminates it with `ssl_verify_client on`.
/// One mTLS connection per client connection; nginx's default TLS session reuse stays on.
/// </summary>
internal static class NginxStreamConfigs
{
    public static string Client(string dir, Variant variant, Pki pki) => $$"""
        {{MainContext(dir, "client", variant)}}
        stream {
            server {
                listen {{Ports.Host}}:{{Ports.ClientProxy}} reuseport backlog=4096;
                proxy_pass {{Ports.Host}}:{{Ports.ServerProxy}};
                proxy_connect_timeout 5s;
                proxy_timeout 60s;
                proxy_ssl on;
                proxy_ssl_protocols TLSv1.3;
                proxy_ssl_certificate {{pki.ClientCert}};
                proxy_ssl_certificate_key {{pki.ClientKey}};
                proxy_ssl_trusted_certificate {{pki.CaCert}};
                proxy_ssl_verify on;
                proxy_ssl_name {{Pki.ServerName}};
                proxy_ssl_server_name on;
            }
        }
        """;

    public static string Server(string dir, Variant variant, Pki pki) => $$"""
        {{MainContext(dir, "server", variant)}}
        stream {
            server {
                listen {{Ports.Host}}:{{Ports.ServerProxy}} ssl reuseport backlog=4096;
                ssl_protocols TLSv1.3;
                ssl_certificate {{pki.ServerCert}};
                ssl_certificate_key {{pki.ServerKey}};
                ssl_client_certificate {{pki.CaCert}};
                ssl_verify_client on;
                proxy_pass {{Ports.Host}}:{{Ports.Backend}};
                proxy_connect_timeout 5s;
                proxy_timeout 60s;
            }
        }
        """;

    /// <summary>Debian ships the stream module as a dynamic module (package libnginx-mod-stream).</summary>
    public const string StreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

    private static string MainContext(string dir, string side, Variant variant) => $$"""
        load_module {{StreamModule}};
        worker_processes {{variant.Workers}};
        daemon off;
        pid {{dir}}/nginx-{{side}}.pid;
        error_log {{dir}}/nginx-{{side}}.error.log warn;
        events { worker_connections 8192; }
        """;
}
