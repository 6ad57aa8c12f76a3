using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>One HTTP request a <see cref="NetnsHttpServer"/> answered.</summary>
/// <param name="Remote">Who connected: the source address and port the server saw.</param>
/// <param name="RequestLine">The first line, for example <c>GET /path HTTP/1.1</c>.</param>
/// <param name="Headers">The header lines as sent, without the request line.</param>
internal sealed record ServedRequest(IPEndPoint Remote, string RequestLine, IReadOnlyList<string> Headers);
