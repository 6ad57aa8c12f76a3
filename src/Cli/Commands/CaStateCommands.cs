using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Ca;

namespace Mesh.Cli.Commands;

/// <summary>`mesh ca init | rotate | status`: the CA's key material, from a separate process than the running CA.</summary>
internal static class CaStateCommands
{
    public static IEnumerable<Command> Create()
    {
        var initConfig = ConfigOption();
        var init = new Command("init", "Create the CA's root and intermediate in stateDir (or validate pluginCerts); print paths and fingerprints") { initConfig };
        init.SetAction(parse => Run(() =>
        {
            var report = CaState.Init(CaConfigLoader.Load(parse.GetValue(initConfig)!.FullName));
            PrintText(report, DateTimeOffset.UtcNow);
            return 0;
        }));

        var rotateConfig = ConfigOption();
        var intermediate = new Option<bool>("--intermediate") { Description = "Rotate the signing intermediate (the bundle does not change)" };
        var root = new Option<bool>("--root") { Description = "Rotate the root: the new root is published next to the old one before it signs" };
        var rotate = new Command("rotate", "Ask the CA to rotate a key; the running CA carries it out through prepare -> activate -> retire") { rotateConfig, intermediate, root };
        rotate.Validators.Add(result =>
        {
            if (result.GetValue(intermediate) == result.GetValue(root))
            {
                result.AddError("give exactly one of --intermediate or --root");
            }
        });
        rotate.SetAction(parse => Run(() =>
        {
            var state = RotationRequest.Request(CaConfigLoader.Load(parse.GetValue(rotateConfig)!.FullName), parse.GetValue(root));
            Console.Out.WriteLine($"rotation requested: {state}; the running CA starts it at its next poll (`mesh ca status` shows progress)");
            return 0;
        }));

        var statusConfig = ConfigOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var status = new Command("status", "Show the CA's keys, subjects, fingerprints, expiry, and the rotation phase with when the next one is due") { statusConfig, json };
        status.SetAction(parse => Run(() =>
        {
            var report = CaState.Status(CaConfigLoader.Load(parse.GetValue(statusConfig)!.FullName));
            var now = DateTimeOffset.UtcNow;
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(ToJson(report, now).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                PrintText(report, now);
            }

            return 0;
        }));

        return [init, rotate, status];
    }

    private static Option<FileInfo> ConfigOption() => new("--config") { Description = "CA config file (YAML)", Required = true };

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (CaConfigException e)
        {
            return CliErrors.Fail(e.Message);
        }
        catch (CaKeyException e)
        {
            return CliErrors.Fail(e.Message);
        }
        catch (IOException e)
        {
            return CliErrors.Fail(e.Message);
        }
    }

    private static void PrintText(CaStateReport report, DateTimeOffset now)
    {
        Console.Out.WriteLine($"mode: {report.Mode}");
        Console.Out.WriteLine($"state dir: {report.StateDir}");
        Console.Out.WriteLine($"trust bundle: {report.BundlePath}");
        Console.Out.WriteLine($"rotation: {report.RotationState}" + (report.NextPhaseDueAt is { } due
            ? $", next phase due {Time(due)} ({Left(due - now)})"
            : string.Empty));
        foreach (var c in report.Certificates)
        {
            Console.Out.WriteLine($"{c.Role}:");
            Console.Out.WriteLine($"  subject: {c.Subject}");
            Console.Out.WriteLine($"  sha256: {c.Sha256Fingerprint}");
            Console.Out.WriteLine($"  not after: {Time(c.NotAfter)} ({Left(c.NotAfter - now)})");
            Console.Out.WriteLine($"  cert: {c.CertPath}");
            if (c.KeyPath is not null)
            {
                Console.Out.WriteLine($"  key: {c.KeyPath}{(c.KeyEncrypted ? " (encrypted)" : string.Empty)}");
            }
        }
    }

    private static JsonObject ToJson(CaStateReport report, DateTimeOffset now)
    {
        var certs = new JsonArray();
        foreach (var c in report.Certificates)
        {
            certs.Add((JsonNode)new JsonObject
            {
                ["role"] = c.Role,
                ["subject"] = c.Subject,
                ["sha256"] = c.Sha256Fingerprint,
                ["notBefore"] = Time(c.NotBefore),
                ["notAfter"] = Time(c.NotAfter),
                ["secondsLeft"] = (long)(c.NotAfter - now).TotalSeconds,
                ["cert"] = c.CertPath,
                ["key"] = c.KeyPath,
                ["keyEncrypted"] = c.KeyEncrypted,
            });
        }

        return new JsonObject
        {
            ["mode"] = report.Mode,
            ["stateDir"] = report.StateDir,
            ["trustBundle"] = report.BundlePath,
            ["rotationState"] = report.RotationState,
            ["nextPhaseDueAt"] = report.NextPhaseDueAt is { } due ? Time(due) : null,
            ["lastRotationCompletedAt"] = report.LastRotationCompletedAt is { } last ? Time(last) : null,
            ["certificates"] = certs,
        };
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Left(TimeSpan left) => left <= TimeSpan.Zero
        ? "due now"
        : left.TotalDays >= 1 ? $"{left.TotalDays:0.#} days left"
        : left.TotalHours >= 1 ? $"{left.TotalHours:0.#} hours left"
        : $"{left.TotalMinutes:0.#} minutes left";
}
