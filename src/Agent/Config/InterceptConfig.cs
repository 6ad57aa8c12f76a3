using System.Globalization;
using Mesh.Agent.Intercept;

namespace Mesh.Agent.Config;

/// <summary>Validates the agent config's <c>intercept</c> section; the pods file itself is read by <see cref="PodsLoader"/>.</summary>
internal static class InterceptConfig
{
    public static InterceptOptions? Read(string configPath, AgentConfigFile.InterceptSection? section, List<string> errors)
    {
        if (section is null)
        {
            return null;
        }
        var before = errors.Count;
        if (section.Pods is null)
        {
            errors.Add("intercept.pods: required (the file listing the pods this node serves, with their netns)");
        }
        var outbound = Port(section.OutboundPort, "intercept.outboundPort", Redirect.RedirectOptions.DefaultOutboundPort, errors);
        var inbound = Port(section.InboundPort, "intercept.inboundPort", Redirect.RedirectOptions.DefaultInboundPort, errors);
        var tunnel = Port(section.TunnelPort, "intercept.tunnelPort", InterceptOptions.DefaultTunnelPort, errors);
        if (new[] { outbound, inbound, tunnel }.Distinct().Count() != 3)
        {
            errors.Add($"intercept: outboundPort ({outbound}), inboundPort ({inbound}) and tunnelPort ({tunnel}) must differ");
        }
        var mark = Redirect.RedirectOptions.DefaultMark;
        if (section.Mark is { } text)
        {
            var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!uint.TryParse(hex ? text[2..] : text, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out mark) || mark == 0)
            {
                errors.Add($"intercept.mark: '{text}' must be a non-zero number such as 0x539 (the mark the redirect rules let through)");
            }
        }
        var outside = section.OutsideMesh switch
        {
            null or "passthrough" => OutsideMeshMode.Passthrough,
            "refuse" => OutsideMeshMode.Refuse,
            _ => Invalid(),
        };
        OutsideMeshMode Invalid()
        {
            errors.Add($"intercept.outsideMesh: '{section.OutsideMesh}' must be passthrough (connect directly, Istio's ALLOW_ANY) or refuse (REGISTRY_ONLY)");
            return OutsideMeshMode.Refuse;
        }
        if (errors.Count != before)
        {
            return null;
        }
        return new InterceptOptions
        {
            PodsFile = ConfigFiles.Resolve(configPath, section.Pods!),
            OutboundPort = outbound,
            InboundPort = inbound,
            TunnelPort = tunnel,
            Mark = mark,
            OutsideMesh = outside,
        };
    }

    private static int Port(int value, string field, int fallback, List<string> errors)
    {
        if (value == 0)
        {
            return fallback;
        }
        if (value is < 1 or > 65535)
        {
            errors.Add($"{field}: {value} is not a port number 1-65535");
        }
        return value;
    }
}
