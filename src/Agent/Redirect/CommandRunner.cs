using System.Diagnostics;

namespace Mesh.Agent.Redirect;

/// <summary>
/// Runs iptables and friends, optionally inside a named network namespace (<c>ip netns exec NAME</c>), and returns
/// what they printed. Failures the caller does not expect become <see cref="RedirectException"/> with iptables' stderr.
/// </summary>
public sealed class CommandRunner(string? netns = null)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string? Netns { get; } = netns;

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public async Task<Result> RunAsync(string file, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo(Netns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in Netns is null ? args : ["netns", "exec", Netns, file, .. args])
        {
            info.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new RedirectException($"cannot start {info.FileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RedirectException($"cannot run {info.FileName}: {e.Message} (is iptables installed?)", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            try
            {
                if (stdin is not null)
                {
                    await process.StandardInput.WriteAsync(stdin.AsMemory(), ct).ConfigureAwait(false);
                }
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command exited before reading all of its input (e.g. iptables-restore refusing a line):
                // its exit code and stderr below say why, which a broken pipe would not.
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new RedirectException($"{Describe(file, args)} did not finish within {Timeout.TotalSeconds} s");
            }
            return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    /// <summary>Runs and requires exit 0; otherwise throws with the command and its stderr.</summary>
    public async Task<string> RunCheckedAsync(string file, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default)
    {
        var result = await RunAsync(file, args, stdin, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var why = result.StdErr.Trim().Replace('\n', ' ');
            throw new RedirectException($"{Describe(file, args)} failed (exit {result.ExitCode}): {(why.Length > 0 ? why : "no message")}");
        }
        return result.StdOut;
    }

    private string Describe(string file, IReadOnlyList<string> args) =>
        (Netns is null ? "" : $"ip netns exec {Netns} ") + string.Join(' ', [file, .. args]);
}
