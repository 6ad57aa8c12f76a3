using Mesh.Bench.Orchestration;
using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// The backend every scenario ends at: nginx serving a 1 KiB file over HTTP/1.1 keep-alive, access log off.
/// One worker process in every scenario, so the backend's share of the 2 cores is the same everywhere.
/// </summary>
internal static class NginxBackend
{
    public const int Workers = 1;

    public static void WriteWwwRoot(string wwwRoot)
    {
        Directory.CreateDirectory(wwwRoot);
        // Printable bytes so the file is also readable in a terminal; exactly 1 KiB.
        var line = new string('x', 63) + "\n";
        File.WriteAllText(Path.Combine(wwwRoot, "index.html"), string.Concat(Enumerable.Repeat(line, Readiness.BodyBytes / 64)));
    }

    public static string Config(string dir, string wwwRoot) => $$"""
        # Backend: 1 KiB static file, HTTP/1.1 keep-alive, no access log.
        worker_processes {{Workers}};
        daemon off;
        pid {{dir}}/backend-nginx.pid;
        error_log {{dir}}/backend-nginx.error.log warn;
        events { worker_connections 8192; }
        http {
            access_log off;
            keepalive_requests 100000000;
            keepalive_timeout 300s;
            server {
                listen {{Ports.Host}}:{{Ports.Backend}} backlog=4096;
                root {{wwwRoot}};
                location / { }
            }
        }
        """;

    public static async Task<ChildProcess> StartAsync(string dir, string wwwRoot, CancellationToken ct)
    {
        var config = Path.Combine(dir, "backend-nginx.conf");
        await File.WriteAllTextAsync(config, Config(dir, wwwRoot), ct).ConfigureAwait(false);
        var nginx = ChildProcess.Start("backend nginx", "nginx", ["-p", dir, "-e", Path.Combine(dir, "backend-nginx.error.log"), "-c", config],
            Path.Combine(dir, "backend-nginx.log"));
        try
        {
            await Readiness.WaitForFileServedAsync(Ports.Backend, [nginx], ct).ConfigureAwait(false);
            return nginx;
        }
        catch
        {
            await nginx.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
