using System.Net;

namespace Mesh.Agent.Config;

/// <summary>Reads YAML config files strictly: unknown fields are errors, positions are reported as file:line:col.</summary>
internal static class ConfigFiles
{
    public static T Read<T>(string path, Func<YamlMap, T> read)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read: {e.Message}");
        }
        return read(YamlMap.Load(path, text));
    }

    public static string Resolve(string baseFile, string path) =>
        Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(baseFile))!);

    public static IPEndPoint? ParseEndpoint(string? value, string field, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{field}: required (an address like 127.0.0.1:15001)");
            return null;
        }
        if (!IPEndPoint.TryParse(value, out var ep) || ep.Port == 0 && !value.EndsWith(":0", StringComparison.Ordinal))
        {
            errors.Add($"{field}: '{value}' is not an IP:port address (for example 127.0.0.1:15001 or [::1]:15001)");
            return null;
        }
        return ep;
    }

    /// <summary>A port's protocol, case-insensitive: tcp, http, http2 or grpc.</summary>
    public static PortProtocol? ParseProtocol(string? value, string field, List<string> errors)
    {
        switch (value?.ToLowerInvariant())
        {
            case "tcp": return PortProtocol.Tcp;
            case "http": return PortProtocol.Http;
            case "http2": return PortProtocol.Http2;
            case "grpc": return PortProtocol.Grpc;
            default:
                errors.Add($"{field}: protocol '{value}' is not supported; use tcp, http, http2 or grpc");
                return null;
        }
    }
}
