using System.Net.Security;
using Mesh.Identity;

namespace Mesh.Agent.Identity;

/// <summary>An immutable snapshot of one identity's SVID, ready for TLS handshakes.</summary>
public sealed record WorkloadCredentials(IssuedSvid Svid, SslStreamCertificateContext Context)
{
    public SpiffeId Id => Svid.Id;
}
