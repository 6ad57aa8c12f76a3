using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.WorkloadApi;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>What the agent does with what it finds at the socket path before binding.</summary>
public sealed class UnixSocketPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-sock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Missing_directory_is_created()
    {
        var path = Path.Combine(_dir, "run", "mesh", "workload.sock");

        UnixSocketPath.Prepare(path);

        Assert.True(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public void A_regular_file_is_refused_not_replaced()
    {
        var path = Path.Combine(_dir, "workload.sock");
        File.WriteAllText(path, "precious");

        var e = Assert.Throws<ConfigException>(() => UnixSocketPath.Prepare(path));

        Assert.Contains("exists and is not a socket", e.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public void A_live_socket_is_refused()
    {
        var path = Path.Combine(_dir, "workload.sock");
        using var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        live.Bind(new UnixDomainSocketEndPoint(path));
        live.Listen();

        var e = Assert.Throws<ConfigException>(() => UnixSocketPath.Prepare(path));

        Assert.Contains("is in use by another process", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_socket_is_removed()
    {
        var path = Path.Combine(_dir, "workload.sock");
        var bound = Path.Combine(_dir, "bound.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // A socket file nobody listens on, as a killed agent leaves behind. .NET unlinks the path it bound when the
            // socket closes, so the file is moved away from that path first.
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, path);
        }
        Assert.True(File.Exists(path));

        UnixSocketPath.Prepare(path);

        Assert.False(File.Exists(path));
    }
}
