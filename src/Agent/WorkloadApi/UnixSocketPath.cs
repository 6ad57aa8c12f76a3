using System.Net.Sockets;
using Mesh.Agent.Config;

namespace Mesh.Agent.WorkloadApi;

/// <summary>Makes the socket path ready to bind: its directory exists, and nothing but a stale socket of ours is replaced.</summary>
internal static class UnixSocketPath
{
    public static void Prepare(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return;
        }
        if (FileIdentity.Of(path) is not { IsSocket: true })
        {
            throw new ConfigException($"workloadApi.socket: {path} exists and is not a socket; remove it or choose another path");
        }
        // A socket nobody accepts on is what a crashed agent leaves behind; one that answers belongs to a live server.
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new ConfigException($"workloadApi.socket: {path} is in use by another process (another agent?); stop it or choose another path");
    }
}
