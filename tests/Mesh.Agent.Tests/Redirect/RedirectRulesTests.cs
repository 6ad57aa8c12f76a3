using System.Net;
using Mesh.Agent.Redirect;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>Golden tests for the nat rules: the exact iptables-restore text, so that any change to a rule is a visible diff.</summary>
public sealed class RedirectRulesTests
{
    private static readonly RedirectOptions WithExcludes = new()
    {
        ExcludeOutboundCidrs = [IPNetwork.Parse("198.18.10.0/24"), IPNetwork.Parse("2001:db8::/32")],
        ExcludeOutboundPorts = [22],
        ExcludeInboundPorts = [9090],
        ExcludeUids = [1337],
        Probes = [new ProbeBypass(IPNetwork.Parse("198.18.0.1/32"), [8080])],
    };

    [Fact]
    public void Defaults_for_IPv4_capture_everything_but_loopback_and_the_agents_own_sockets_and_ports()
    {
        var script = RedirectRules.Install(new RedirectOptions(), IpFamily.V4, RedirectRules.Jumps);

        Assert.Equal(
            """
            *nat
            :MESH_OUTPUT - [0:0]
            :MESH_REDIRECT - [0:0]
            :MESH_INBOUND - [0:0]
            :MESH_IN_REDIRECT - [0:0]
            -F MESH_OUTPUT
            -F MESH_REDIRECT
            -F MESH_INBOUND
            -F MESH_IN_REDIRECT
            # MESH_REDIRECT: every connection that reaches it goes to the agent's outbound listener.
            -A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001
            # MESH_IN_REDIRECT: every connection that reaches it goes to the agent's inbound listener.
            -A MESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
            # MESH_OUTPUT: the agent's own sockets carry mark 0x539/0xfff (SO_MARK); capturing them would loop.
            -A MESH_OUTPUT -m mark --mark 0x539/0xfff -j RETURN
            # Loopback stays local: the workload talking to itself is not mesh traffic.
            -A MESH_OUTPUT -o lo -j RETURN
            -A MESH_OUTPUT -d 127.0.0.0/8 -j RETURN
            # Everything else is captured.
            -A MESH_OUTPUT -j MESH_REDIRECT
            # MESH_INBOUND: loopback is never captured.
            -A MESH_INBOUND -i lo -j RETURN
            # The agent's own port 15001: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15001 -j RETURN
            # The agent's own port 15006: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15006 -j RETURN
            # The agent's own port 15008: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15008 -j RETURN
            # Everything else is captured.
            -A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT
            # Send locally generated TCP through our chain.
            -A OUTPUT -p tcp -j MESH_OUTPUT
            # Send arriving TCP through our chain.
            -A PREROUTING -p tcp -j MESH_INBOUND
            COMMIT

            """.ReplaceLineEndings("\n"), script);
    }

    [Fact]
    public void IPv4_with_excludes_takes_only_the_IPv4_cidrs_and_lists_each_exclusion_before_the_capture()
    {
        var script = RedirectRules.Install(WithExcludes, IpFamily.V4, []);

        Assert.Equal(
            """
            # MESH_OUTPUT: the agent's own sockets carry mark 0x539/0xfff (SO_MARK); capturing them would loop.
            -A MESH_OUTPUT -m mark --mark 0x539/0xfff -j RETURN
            # Processes of uid 1337 are excluded by configuration.
            -A MESH_OUTPUT -m owner --uid-owner 1337 -j RETURN
            # Loopback stays local: the workload talking to itself is not mesh traffic.
            -A MESH_OUTPUT -o lo -j RETURN
            -A MESH_OUTPUT -d 127.0.0.0/8 -j RETURN
            # Destination port 22 is excluded by configuration.
            -A MESH_OUTPUT -p tcp --dport 22 -j RETURN
            # Destination 198.18.10.0/24 is excluded by configuration.
            -A MESH_OUTPUT -d 198.18.10.0/24 -j RETURN
            # Everything else is captured.
            -A MESH_OUTPUT -j MESH_REDIRECT
            # MESH_INBOUND: loopback is never captured.
            -A MESH_INBOUND -i lo -j RETURN
            # The agent's own port 15001: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15001 -j RETURN
            # The agent's own port 15006: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15006 -j RETURN
            # The agent's own port 15008: redirecting it would send the agent's traffic to itself twice.
            -A MESH_INBOUND -p tcp --dport 15008 -j RETURN
            # Port 9090 is excluded by configuration.
            -A MESH_INBOUND -p tcp --dport 9090 -j RETURN
            # Health probes from 198.18.0.1/32 reach port 8080 directly.
            -A MESH_INBOUND -s 198.18.0.1/32 -p tcp --dport 8080 -j RETURN
            # Everything else is captured.
            -A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT
            COMMIT

            """.ReplaceLineEndings("\n"), After("REDIRECT --to-ports 15006\n", script));
        Assert.DoesNotContain("2001:db8", script, StringComparison.Ordinal);
        Assert.DoesNotContain("-A OUTPUT", script, StringComparison.Ordinal);
    }

    [Fact]
    public void IPv6_uses_the_IPv6_loopback_and_cidrs_and_no_IPv4_address()
    {
        var script = RedirectRules.Install(WithExcludes, IpFamily.V6, RedirectRules.Jumps);

        Assert.Contains("-A MESH_OUTPUT -d ::1/128 -j RETURN\n", script, StringComparison.Ordinal);
        Assert.Contains("-A MESH_OUTPUT -d 2001:db8::/32 -j RETURN\n", script, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.0/8", script, StringComparison.Ordinal);
        Assert.DoesNotContain("198.18.", script, StringComparison.Ordinal);
        Assert.Contains("-A OUTPUT -p tcp -j MESH_OUTPUT\n", script, StringComparison.Ordinal);
        Assert.Contains("-A PREROUTING -p tcp -j MESH_INBOUND\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_list_captures_only_those_destinations_and_a_port_map_goes_before_the_catch_all()
    {
        var options = new RedirectOptions
        {
            IncludeOutboundCidrs = [IPNetwork.Parse("198.18.64.0/18")],
            InboundPortMap = [new(8080, 15008)],
        };

        var v4 = RedirectRules.Install(options, IpFamily.V4, []);
        var v6 = RedirectRules.Install(options, IpFamily.V6, []);

        Assert.Contains("-A MESH_OUTPUT -d 198.18.64.0/18 -j MESH_REDIRECT\n", v4, StringComparison.Ordinal);
        Assert.DoesNotContain("-A MESH_OUTPUT -j MESH_REDIRECT", v4, StringComparison.Ordinal);
        // No IPv6 destination is included, so nothing IPv6 is captured outbound.
        Assert.DoesNotContain("-j MESH_REDIRECT", v6, StringComparison.Ordinal);
        Assert.Contains("-A MESH_INBOUND -p tcp --dport 15008 -j RETURN\n", v4, StringComparison.Ordinal);
        Assert.True(v4.IndexOf("--dport 8080 -j REDIRECT --to-ports 15008", StringComparison.Ordinal)
                    < v4.IndexOf("-A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT", StringComparison.Ordinal));
    }

    [Fact]
    public void Uninstall_deletes_the_jumps_as_saved_then_flushes_and_deletes_our_chains_and_nothing_else()
    {
        const string saved = """
            # Generated by iptables-save v1.8.9 (nf_tables)
            *nat
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :MESH_OUTPUT - [0:0]
            :MESH_REDIRECT - [0:0]
            :OTHER - [0:0]
            -A OUTPUT -d 198.18.9.9/32 -j OTHER
            -A OUTPUT -p tcp -j MESH_OUTPUT
            -A MESH_OUTPUT -j MESH_REDIRECT
            -A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001
            COMMIT
            """;

        Assert.Equal(
            """
            *nat
            -D OUTPUT -p tcp -j MESH_OUTPUT
            -F MESH_OUTPUT
            -F MESH_REDIRECT
            -X MESH_OUTPUT
            -X MESH_REDIRECT
            COMMIT

            """.ReplaceLineEndings("\n"), RedirectRules.Uninstall(saved));
        Assert.Equal("", RedirectRules.Uninstall("*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j OTHER\nCOMMIT\n"));
    }

    private static string After(string marker, string text) => text[(text.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
}
