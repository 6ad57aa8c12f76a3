using System.CommandLine;
using Mesh.Cli.Demo;

namespace Mesh.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the demo's working directory (configs, logs, decision log) instead of deleting it" };
        var demo = new Command("demo", "Run a CA, two agents and a backend on loopback and show mTLS, policy and the decision log at work (no root needed)") { keep };
        demo.SetAction(async (parse, ct) => await DemoRunner.RunAsync(Console.Out, parse.GetValue(keep), ct).ConfigureAwait(false));
        return demo;
    }
}
