using System.Net;
using System.Text.Json;

namespace Mesh.Cli.Demo;

/// <summary>
/// `mesh demo`: a CA, two agents and a backend on loopback, no root needed. Shows an allowed call, a denied call,
/// a client without a mesh certificate refused in the TLS handshake, and the decision-log records. Exit 0 only if
/// all four behaved as they must. Every process and file it starts is removed at the end.
/// </summary>
internal static class DemoRunner
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(TextWriter output, bool keep, CancellationToken ct)
    {
        using var workspace = DemoWorkspace.Create();
        workspace.Keep = keep;
        var children = new List<ChildProcess>();
        var failed = false;
        try
        {
            output.WriteLine($"Mesh.Security demo: everything runs on 127.0.0.1; files in {workspace.Dir}");
            workspace.WriteFiles(workspace.CaRoot);

            output.WriteLine($"1. Starting the certificate authority for trust domain {DemoWorkspace.TrustDomain} (port {workspace.CaPort}).");
            children.Add(ChildProcess.StartMesh(Path.Combine(workspace.Dir, "ca.log"), "ca", "serve", "--config", workspace.CaConfig));
            await WaitForFileAsync(workspace.CaRoot, children[^1], ct).ConfigureAwait(false);

            output.WriteLine($"2. Starting the backend app (plain HTTP on port {workspace.BackendPort}; it knows nothing about the mesh).");
            await using var backend = await DemoBackend.StartAsync(workspace.BackendPort, ct).ConfigureAwait(false);

            output.WriteLine($"3. Starting two node agents: node-frontend (outbound listener {workspace.FrontendOutbound}) and node-backend (mTLS inbound {workspace.BackendInbound}).");
            output.WriteLine("   Each exchanges its one-time join token for a node certificate, then gets its workload's SPIFFE certificate with it.");
            children.Add(ChildProcess.StartMesh(Path.Combine(workspace.Dir, "agent-frontend.log"), "agent", "run", "--config", workspace.FrontendConfig));
            children.Add(ChildProcess.StartMesh(Path.Combine(workspace.Dir, "agent-backend.log"), "agent", "run", "--config", workspace.BackendConfig));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await WaitReadyAsync(http, workspace.FrontendAdmin, children[1], ct).ConfigureAwait(false);
            await WaitReadyAsync(http, workspace.BackendAdmin, children[2], ct).ConfigureAwait(false);
            output.WriteLine("   Both agents are ready.");

            output.WriteLine();
            output.WriteLine("(a) The frontend calls GET /api/items on the backend through its agent. Allowed by policy demo/frontend-reads-api:");
            var a = await DemoChecks.HttpGetAsync(http, workspace.FrontendOutbound, "/api/items", HttpStatusCode.OK, DemoBackend.ItemsBody, ct).ConfigureAwait(false);
            failed |= Report(output, a);

            output.WriteLine("(b) The frontend calls GET /api/admin/keys. Policy demo/deny-admin-api denies it:");
            var b = await DemoChecks.HttpGetAsync(http, workspace.FrontendOutbound, "/api/admin/keys", HttpStatusCode.Forbidden, "RBAC: access denied", ct).ConfigureAwait(false);
            failed |= Report(output, b);

            output.WriteLine("(c) A client with no mesh certificate dials the backend agent's mTLS port directly:");
            var c = await DemoChecks.TlsWithoutCertificateAsync(workspace.BackendInbound, ct).ConfigureAwait(false);
            failed |= Report(output, c);

            output.WriteLine($"(d) The backend agent's decision log ({Path.GetFileName(workspace.BackendDecisionLog)}) for (a) and (b):");
            var d = await DecisionLogAsync(workspace.BackendDecisionLog, ct).ConfigureAwait(false);
            failed |= Report(output, d);

            output.WriteLine();
            output.WriteLine(failed ? "Demo FAILED: see above; logs are in " + workspace.Dir : "Demo passed: mTLS, policy and the decision log all behaved as expected.");
            if (failed)
            {
                workspace.Keep = true;
            }
            return failed ? 1 : 0;
        }
        catch (DemoException e)
        {
            workspace.Keep = true;
            output.WriteLine($"Demo FAILED: {e.Message}");
            output.WriteLine($"Logs are in {workspace.Dir}");
            return 1;
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync().ConfigureAwait(false);
            }
            output.WriteLine(workspace.Keep ? $"Stopped {children.Count} processes; kept {workspace.Dir}." : $"Stopped {children.Count} processes and removed {workspace.Dir}.");
        }
    }

    private static bool Report(TextWriter output, DemoChecks.Outcome outcome)
    {
        foreach (var line in outcome.Seen.Split('\n'))
        {
            output.WriteLine($"    {line}");
        }
        output.WriteLine(outcome.Passed ? "    PASS" : "    FAIL");
        return !outcome.Passed;
    }

    private static async Task<DemoChecks.Outcome> DecisionLogAsync(string path, CancellationToken ct)
    {
        // The agent's writer flushes after each batch; give it a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        string? allow = null, deny = null;
        while (DateTime.UtcNow < deadline && (allow is null || deny is null))
        {
            if (File.Exists(path))
            {
                foreach (var line in await File.ReadAllLinesAsync(path, ct).ConfigureAwait(false))
                {
                    using var doc = JsonDocument.Parse(line);
                    var r = doc.RootElement;
                    if (!r.TryGetProperty("request", out var request) || !r.TryGetProperty("result", out var result))
                    {
                        continue; // a chain event, not a decision
                    }
                    var p = request.TryGetProperty("path", out var pv) ? pv.GetString() : null;
                    var decision = result.GetProperty("decision").GetString();
                    if (p == "/api/items" && decision == "ALLOW") allow ??= line;
                    if (p == "/api/admin/keys" && decision == "DENY") deny ??= line;
                }
            }
            if (allow is null || deny is null)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
        var seen = $"{allow ?? "(no ALLOW record for /api/items)"}\n{deny ?? "(no DENY record for /api/admin/keys)"}";
        return new DemoChecks.Outcome(allow is not null && deny is not null && deny.Contains("demo/deny-admin-api", StringComparison.Ordinal), seen);
    }

    private static async Task WaitForFileAsync(string path, ChildProcess owner, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!File.Exists(path))
        {
            if (owner.HasExited) throw new DemoException($"the CA exited early; see {owner.LogPath}:\n{Tail(owner.LogPath)}");
            if (DateTime.UtcNow > deadline) throw new DemoException($"the CA did not start within {ReadyTimeout.TotalSeconds} s; see {owner.LogPath}");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, int adminPort, ChildProcess agent, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (agent.HasExited) throw new DemoException($"an agent exited early; see {agent.LogPath}:\n{Tail(agent.LogPath)}");
            try
            {
                using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/ready"), ct).ConfigureAwait(false);
                if (r.IsSuccessStatusCode) return;
                last = await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        throw new DemoException($"agent on admin port {adminPort} not ready after {ReadyTimeout.TotalSeconds} s ({last.Trim()}); see {agent.LogPath}");
    }

    private static string Tail(string path)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(15));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private sealed class DemoException(string message) : Exception(message);
}
