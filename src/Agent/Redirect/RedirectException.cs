namespace Mesh.Agent.Redirect;

/// <summary>Installing, removing or reading the interception rules failed; the message names the command and why.</summary>
public sealed class RedirectException(string message, Exception? inner = null) : Exception(message, inner);
