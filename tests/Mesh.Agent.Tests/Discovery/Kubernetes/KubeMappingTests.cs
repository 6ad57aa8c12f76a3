using Mesh.Agent.Config;
using Mesh.Agent.Discovery.Kubernetes;

namespace Mesh.Agent.Tests.Discovery.Kubernetes;

public sealed class KubeMappingTests
{
    [Theory]
    [InlineData("http", "web", PortProtocol.Http)]
    [InlineData("HTTP2", "web", PortProtocol.Http2)]
    [InlineData("kubernetes.io/h2c", "", PortProtocol.Http2)]
    [InlineData("grpc", "http-web", PortProtocol.Grpc)] // appProtocol wins over the name
    [InlineData("tcp", "http", PortProtocol.Tcp)]
    [InlineData(null, "http", PortProtocol.Http)]
    [InlineData(null, "http-web", PortProtocol.Http)]
    [InlineData(null, "http2-api", PortProtocol.Http2)]
    [InlineData(null, "grpc-api", PortProtocol.Grpc)]
    [InlineData(null, "grpc", PortProtocol.Grpc)]
    [InlineData(null, "httpx", PortProtocol.Tcp)]
    [InlineData(null, "https", PortProtocol.Tcp)]
    [InlineData(null, "", PortProtocol.Tcp)]
    [InlineData("kubernetes.io/ws", "web", PortProtocol.Tcp)]
    public void Protocol_comes_from_app_protocol_then_the_port_name_prefix(string? appProtocol, string name, PortProtocol expected)
    {
        Assert.Equal(expected, KubeMapping.Protocol(appProtocol, name));
    }
}
