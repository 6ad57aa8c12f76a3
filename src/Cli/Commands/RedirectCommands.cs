using System.CommandLine;
using System.Net;
using Mesh.Agent.Redirect;

namespace Mesh.Cli.Commands;

/// <summary>
/// `mesh redirect install|uninstall|show`: the iptables nat rules that steer a workload's TCP to the agent
/// (docs/architecture.md, "Traffic interception"). Install is idempotent; uninstall removes exactly what install added.
/// </summary>
internal static class RedirectCommands
{
    public static Command Create()
    {
        var netns = new Option<string?>("--netns") { Description = "Apply inside this network namespace (ip netns exec NAME) instead of the current one" };
        var outboundPort = new Option<int>("--outbound-port") { Description = "The agent's outbound capture port", DefaultValueFactory = _ => RedirectOptions.DefaultOutboundPort };
        var inboundPort = new Option<int>("--inbound-port") { Description = "The agent's inbound capture port", DefaultValueFactory = _ => RedirectOptions.DefaultInboundPort };
        var tunnelPort = new Option<int>("--tunnel-port") { Description = "The agent's mTLS tunnel port inside the pod (never captured)", DefaultValueFactory = _ => RedirectOptions.DefaultTunnelPort };
        var excludeCidrs = new Option<string[]>("--exclude-outbound-cidrs") { Description = "Destinations never captured, e.g. 10.0.0.0/8 fd00::/8", AllowMultipleArgumentsPerToken = true };
        var excludeOutPorts = new Option<int[]>("--exclude-outbound-ports") { Description = "Destination ports never captured", AllowMultipleArgumentsPerToken = true };
        var excludeInPorts = new Option<int[]>("--exclude-inbound-ports") { Description = "Local ports whose inbound connections are never captured", AllowMultipleArgumentsPerToken = true };
        var ipv6 = new Option<bool>("--ipv6") { Description = "Also apply the ip6tables rules (true|false)", DefaultValueFactory = _ => true, Arity = ArgumentArity.ExactlyOne };
        var backend = new Option<string>("--backend") { Description = "iptables backend: default (the system's iptables), nft or legacy", DefaultValueFactory = _ => "default" };
        backend.AcceptOnlyFromAmong("default", "nft", "legacy");
        var installed = new Option<bool>("--installed") { Description = "Print the rules installed now (iptables-save), not the ones install would add" };
        Option[] common = [netns, outboundPort, inboundPort, tunnelPort, excludeCidrs, excludeOutPorts, excludeInPorts, ipv6, backend];

        var install = new Command("install", "Install the interception rules (idempotent)");
        var uninstall = new Command("uninstall", "Remove the interception rules and chains; other rules are left as they were") { netns, backend };
        var show = new Command("show", "Print the iptables-restore script install would apply, or with --installed what is installed") { installed };
        foreach (var option in common)
        {
            install.Options.Add(option);
            show.Options.Add(option);
        }

        install.SetAction(async (parse, ct) => await RunAsync(async () =>
        {
            var options = Options(parse, outboundPort, inboundPort, tunnelPort, excludeCidrs, excludeOutPorts, excludeInPorts, ipv6);
            await Installer(parse, netns, backend).InstallAsync(options, ct).ConfigureAwait(false);
            Console.Out.WriteLine($"installed: outbound TCP -> :{options.OutboundPort}, inbound TCP -> :{options.InboundPort}{(options.Ipv6 ? " (IPv4 and IPv6)" : " (IPv4)")}");
        }).ConfigureAwait(false));

        uninstall.SetAction(async (parse, ct) => await RunAsync(async () =>
        {
            await Installer(parse, netns, backend).UninstallAsync(ct).ConfigureAwait(false);
            Console.Out.WriteLine("uninstalled");
        }).ConfigureAwait(false));

        show.SetAction(async (parse, ct) => await RunAsync(async () =>
        {
            var options = Options(parse, outboundPort, inboundPort, tunnelPort, excludeCidrs, excludeOutPorts, excludeInPorts, ipv6);
            foreach (var family in options.Ipv6 ? new[] { IpFamily.V4, IpFamily.V6 } : [IpFamily.V4])
            {
                Console.Out.WriteLine($"# {(family == IpFamily.V4 ? "iptables" : "ip6tables")}");
                if (parse.GetValue(installed))
                {
                    var lines = await Installer(parse, netns, backend).InstalledAsync(family, ct).ConfigureAwait(false);
                    Console.Out.WriteLine(lines.Count == 0 ? "# (nothing installed)" : string.Join('\n', lines));
                }
                else
                {
                    Console.Out.Write(RedirectRules.Install(options, family, RedirectRules.Jumps));
                }
            }
        }).ConfigureAwait(false));

        return new Command("redirect", "Traffic interception: iptables rules that send a workload's TCP to the agent") { install, uninstall, show };
    }

    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is RedirectException or FormatException)
        {
            return CliErrors.Fail(e.Message);
        }
    }

    private static RedirectInstaller Installer(ParseResult parse, Option<string?> netns, Option<string> backend) =>
        new(new CommandRunner(parse.GetValue(netns)), parse.GetValue(backend) switch { "nft" => "-nft", "legacy" => "-legacy", _ => "" });

    private static RedirectOptions Options(ParseResult parse, Option<int> outboundPort, Option<int> inboundPort, Option<int> tunnelPort, Option<string[]> excludeCidrs,
                                           Option<int[]> excludeOutPorts, Option<int[]> excludeInPorts, Option<bool> ipv6) => new()
    {
        OutboundPort = Port(parse.GetValue(outboundPort), "--outbound-port"),
        InboundPort = Port(parse.GetValue(inboundPort), "--inbound-port"),
        TunnelPort = Port(parse.GetValue(tunnelPort), "--tunnel-port"),
        ExcludeOutboundCidrs = (parse.GetValue(excludeCidrs) ?? []).Select(Cidr).ToList(),
        ExcludeOutboundPorts = (parse.GetValue(excludeOutPorts) ?? []).Select(p => Port(p, "--exclude-outbound-ports")).ToList(),
        ExcludeInboundPorts = (parse.GetValue(excludeInPorts) ?? []).Select(p => Port(p, "--exclude-inbound-ports")).ToList(),
        Ipv6 = parse.GetValue(ipv6),
    };

    private static int Port(int port, string option) =>
        port is > 0 and <= 65535 ? port : throw new FormatException($"{option} {port} is not a TCP port (1-65535)");

    private static IPNetwork Cidr(string text)
    {
        // IPNetwork.TryParse quietly clears host bits; 198.18.0.1/15 is more likely a typo than a wish for 198.18.0.0/15.
        if (IPNetwork.TryParse(text, out var cidr) && IPAddress.TryParse(text.Split('/')[0], out var address) && address.Equals(cidr.BaseAddress))
        {
            return cidr;
        }
        throw new FormatException($"--exclude-outbound-cidrs '{text}' is not a CIDR with zero host bits, such as 198.18.0.0/15");
    }
}
