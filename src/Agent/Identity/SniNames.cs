using System.Security.Cryptography;
using System.Text;
using Mesh.Identity;

namespace Mesh.Agent.Identity;

/// <summary>
/// The TLS server name a client sends to say which workload identity it wants the serving agent to present.
/// A digest, not the ID itself: SNI travels in clear text, and a SPIFFE path may hold characters a DNS name cannot.
/// </summary>
public static class SniNames
{
    public const string Suffix = ".id.mesh";

    public static string For(SpiffeId id)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(id.ToString()));
        return Convert.ToHexStringLower(digest.AsSpan(0, 16)) + Suffix;
    }
}
