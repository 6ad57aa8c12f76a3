using System.Buffers.Binary;
using System.Net.Sockets;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// The connecting process as the kernel recorded it when it called connect(2) on our Unix socket (SO_PEERCRED,
/// unix(7)): its pid, uid and gid. Unforgeable by the peer; uid and gid stay true for the connection's life, the pid
/// only names a process while that process lives (see <see cref="CallerFacts"/>).
/// </summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials? TryRead(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.AddressFamily != AddressFamily.Unix)
        {
            return null;
        }
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields in host order.
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
            if (length < 12)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }

    public override string ToString() => $"pid {Pid} uid {Uid} gid {Gid}";
}
