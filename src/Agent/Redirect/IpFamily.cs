namespace Mesh.Agent.Redirect;

/// <summary>Which of the two rule sets: iptables (IPv4) or ip6tables (IPv6).</summary>
public enum IpFamily
{
    V4,
    V6,
}
