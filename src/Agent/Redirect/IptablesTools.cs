namespace Mesh.Agent.Redirect;

/// <summary>
/// The three programs for one family and one backend: iptables, iptables-save, iptables-restore (or the ip6tables
/// ones). <paramref name="Variant"/> is "" (the system's default, nft on Debian), "-nft" or "-legacy".
/// </summary>
public sealed record IptablesTools(IpFamily Family, string Variant = "")
{
    private string Base => (Family == IpFamily.V4 ? "iptables" : "ip6tables") + Variant;

    public string Iptables => Base;

    public string Save => Base + "-save";

    public string Restore => Base + "-restore";
}
