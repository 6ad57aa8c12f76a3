namespace Mesh.Agent.Config;

/// <summary>Configuration that cannot be used; the message lists every problem, one per line.</summary>
public sealed class ConfigException(string message) : Exception(message);
