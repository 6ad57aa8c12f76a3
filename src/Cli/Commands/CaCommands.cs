using System.CommandLine;
using Mesh.Ca;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Commands;

internal static class CaCommands
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "CA config file (YAML)", Required = true };
        var serve = new Command("serve", "Run the certificate authority until SIGINT or SIGTERM") { config };
        serve.SetAction(async (parse, ct) =>
        {
            using var loggers = LoggerFactory.Create(ConsoleLogging.Configure);
            CaServer server;
            try
            {
                server = await CaServer.StartAsync(CaConfigLoader.Load(parse.GetValue(config)!.FullName), loggers, ct: ct).ConfigureAwait(false);
            }
            catch (CaConfigException e)
            {
                return CliErrors.Fail(e.Message);
            }
            catch (CaKeyException e)
            {
                return CliErrors.Fail($"cannot start the CA: {e.Message}");
            }
            catch (IOException e)
            {
                return CliErrors.Fail($"cannot start the CA: {e.Message}");
            }
            await using (server.ConfigureAwait(false))
            {
                Console.Out.WriteLine($"CA serving {server.CaId.TrustDomain} at {server.Address}; trust bundle in {server.RootCertPath}");
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT/SIGTERM: stop cleanly.
                }
            }
            return 0;
        });

        var tokenConfig = new Option<FileInfo>("--config") { Description = "CA config file (YAML); the token is stored, hashed, in its stateDir", Required = true };
        var node = new Option<string>("--node") { Description = "The node (VM) the token admits", Required = true };
        var ttl = new Option<string>("--ttl") { Description = "How long the token may be used, e.g. 30m, 1h (default 1h, at most 7d)", DefaultValueFactory = _ => "1h" };
        var token = new Command("token", "Make a one-time join token for a node: prints the token (give it to the node's agent, tokenFile); the CA keeps only its hash")
        {
            tokenConfig, node, ttl,
        };
        token.SetAction(parse =>
        {
            try
            {
                var options = CaConfigLoader.Load(parse.GetValue(tokenConfig)!.FullName);
                if (!DurationText.TryParse(parse.GetValue(ttl)!, out var lifetime) || lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(7))
                {
                    return CliErrors.Fail($"--ttl '{parse.GetValue(ttl)}' must be a duration like 30m or 1h, at most 7d");
                }
                var value = JoinTokens.Create(options.StateDir, parse.GetValue(node)!, lifetime);
                // Only the token on stdout, so that `mesh ca token ... > node.token` makes the agent's tokenFile.
                Console.Out.WriteLine(value);
                Console.Error.WriteLine($"join token for node {parse.GetValue(node)}, single use, expires {DateTimeOffset.UtcNow + lifetime:O}");
                return 0;
            }
            catch (CaConfigException e)
            {
                return CliErrors.Fail(e.Message);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Fail(e.Message);
            }
            catch (CaKeyException e)
            {
                return CliErrors.Fail(e.Message);
            }
        });

        var issueConfig = new Option<FileInfo>("--config") { Description = "CA config file (YAML)", Required = true };
        var identity = new Option<string>("--identity") { Description = "SPIFFE ID to issue, e.g. spiffe://cluster.local/ns/vm/sa/billing", Required = true };
        var csr = new Option<FileInfo>("--csr") { Description = "PEM PKCS#10 CSR; only its public key is used", Required = true };
        var issueTtl = new Option<string?>("--ttl") { Description = "Lifetime (default: the CA's defaultTtl; capped by maxTtl)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the chain here (default: standard output)" };
        var issue = new Command("issue", "Issue an SVID by hand from a CSR (a VM without an agent); audited with the operator's name")
        {
            issueConfig, identity, csr, issueTtl, output,
        };
        issue.SetAction(parse =>
        {
            try
            {
                var options = CaConfigLoader.Load(parse.GetValue(issueConfig)!.FullName);
                TimeSpan? lifetime = null;
                if (parse.GetValue(issueTtl) is { } text)
                {
                    if (!DurationText.TryParse(text, out var parsed) || parsed <= TimeSpan.Zero)
                    {
                        return CliErrors.Fail($"--ttl '{text}' must be a positive duration like 30m or 1h");
                    }
                    lifetime = parsed;
                }
                // The audit names who ran it; under sudo, the person behind it too.
                var operatorName = Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser
                    ? $"{Environment.UserName} (sudo by {sudoUser})"
                    : Environment.UserName;
                var chain = ManualIssuance.Issue(options, operatorName, parse.GetValue(identity)!, File.ReadAllText(parse.GetValue(csr)!.FullName), lifetime);
                if (parse.GetValue(output) is { } file)
                {
                    File.WriteAllText(file.FullName, chain);
                }
                else
                {
                    Console.Out.Write(chain);
                }
                return 0;
            }
            catch (CaConfigException e)
            {
                return CliErrors.Fail(e.Message);
            }
            catch (ManualIssuanceException e)
            {
                return CliErrors.Fail("refused: " + e.Message);
            }
            catch (IOException e)
            {
                return CliErrors.Fail(e.Message);
            }
        });

        var ca = new Command("ca", "The built-in certificate authority that issues SPIFFE X.509-SVIDs") { serve, token, issue };
        foreach (var command in CaStateCommands.Create())
        {
            ca.Subcommands.Add(command);
        }

        return ca;
    }
}
