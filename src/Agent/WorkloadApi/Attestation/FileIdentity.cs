using System.Runtime.InteropServices;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// A file's identity (device and inode) and type, from statx(2) following symlinks. Two paths name the same network
/// namespace exactly when their nsfs (device, inode) are equal: /proc/&lt;pid&gt;/ns/net and a bind mount such as
/// /var/run/netns/pod-a (ip-netns(8)).
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, uint Mode)
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxIno = 0x100;
    private const uint TypeMask = 0xF000, TypeSocket = 0xC000;

    public bool IsSocket => (Mode & TypeMask) == TypeSocket;

    /// <summary>Null when the path does not exist or cannot be examined.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var buffer = default(StatxBuffer);
        if (Statx(AtFdCwd, path, 0, StatxType | StatxIno, ref buffer) != 0)
        {
            return null;
        }
        return new FileIdentity(((ulong)buffer.DevMajor << 32) | buffer.DevMinor, buffer.Ino, buffer.Mode);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref StatxBuffer buffer);

    // struct statx (include/uapi/linux/stat.h): the same layout on every Linux architecture, 256 bytes.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }
}
