namespace Mesh.Agent.Redirect;

/// <summary>
/// Applies <see cref="RedirectRules"/> with iptables-restore, in the current network namespace or a named one. Install
/// is idempotent; uninstall removes exactly what install added. Each family is one atomic iptables-restore.
/// </summary>
public sealed class RedirectInstaller(CommandRunner runner, string variant = "")
{
    public async Task InstallAsync(RedirectOptions options, CancellationToken ct = default)
    {
        foreach (var tools in Families(options))
        {
            var missing = new List<RedirectJump>();
            foreach (var jump in RedirectRules.Jumps)
            {
                // -C exits 0 only when the rule exists; 1 (absent) or 2 (our chain does not exist yet) both mean: add it.
                var check = await runner.RunAsync(tools.Iptables, ["-t", "nat", "-C", jump.Chain, .. jump.Args], ct: ct).ConfigureAwait(false);
                if (check.ExitCode != 0)
                {
                    missing.Add(jump);
                }
            }
            await runner.RunCheckedAsync(tools.Restore, ["--noflush"], RedirectRules.Install(options, tools.Family, missing), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes our jumps and chains for both families (whatever the options say about IPv6: leave nothing behind).</summary>
    public async Task UninstallAsync(CancellationToken ct = default)
    {
        foreach (var tools in new[] { new IptablesTools(IpFamily.V4, variant), new IptablesTools(IpFamily.V6, variant) })
        {
            var script = RedirectRules.Uninstall(await SaveAsync(tools, ct).ConfigureAwait(false));
            if (script.Length > 0)
            {
                await runner.RunCheckedAsync(tools.Restore, ["--noflush"], script, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Our lines of <c>iptables-save -t nat</c> for one family.</summary>
    public async Task<IReadOnlyList<string>> InstalledAsync(IpFamily family, CancellationToken ct = default) =>
        RedirectRules.Installed(await SaveAsync(new IptablesTools(family, variant), ct).ConfigureAwait(false)).ToList();

    public Task<string> SaveAsync(IptablesTools tools, CancellationToken ct = default) =>
        runner.RunCheckedAsync(tools.Save, ["-t", "nat"], ct: ct);

    private IEnumerable<IptablesTools> Families(RedirectOptions options) =>
        options.Ipv6 ? [new(IpFamily.V4, variant), new(IpFamily.V6, variant)] : [new(IpFamily.V4, variant)];
}
