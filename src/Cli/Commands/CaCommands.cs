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

        var token = new Command("token", "Make a new node bootstrap token: prints the token (give it to the node) and its SHA-256 (put it in the CA config)");
        token.SetAction(_ =>
        {
            var value = BootstrapTokens.NewToken();
            Console.Out.WriteLine($"token: {value}");
            Console.Out.WriteLine($"tokenSha256: {BootstrapTokens.Hash(value)}");
            return 0;
        });

        var ca = new Command("ca", "The built-in certificate authority that issues SPIFFE X.509-SVIDs") { serve, token };
        foreach (var command in CaStateCommands.Create())
        {
            ca.Subcommands.Add(command);
        }

        return ca;
    }
}
