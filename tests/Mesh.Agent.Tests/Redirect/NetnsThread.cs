using Mesh.Agent.Net;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>
/// Makes sockets inside another network namespace for a test, with the agent's own <see cref="NetnsWorker"/> (a
/// dedicated thread that entered it with setns(2)). A socket stays in the namespace it was made in, so the caller may
/// use it from any thread afterwards; the worker's thread then ends, so no pool thread ever changes namespace.
/// </summary>
internal static class NetnsThread
{
    public static T Run<T>(string netnsPath, Func<T> make)
    {
        using var worker = NetnsWorker.Start(netnsPath);
        try
        {
            return worker.RunAsync(make).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not InvalidOperationException)
        {
            throw new InvalidOperationException($"in {netnsPath}: {e.Message}", e);
        }
    }
}
