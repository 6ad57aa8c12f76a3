using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Agent.Tests.Redirect;

/// <summary>
/// Creates sockets inside another network namespace: a dedicated thread enters it with setns(2) and makes the sockets
/// there. A socket stays in the namespace it was made in, so the caller may use it from any thread afterwards; the
/// thread then ends, so no pool thread ever changes namespace.
/// </summary>
internal static partial class NetnsThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string netnsPath, Func<T> make)
    {
        T? made = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(netnsPath);
                if (SetNs(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new SocketException(Marshal.GetLastPInvokeError());
                }
                made = make();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? made! : throw new InvalidOperationException($"in {netnsPath}: {failure.Message}", failure);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
