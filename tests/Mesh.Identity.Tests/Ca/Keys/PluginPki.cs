using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests.Ca;

/// <summary>An operator's PKI for the plug-in CA tests: a root and a signing CA, each knob a parameter.</summary>
internal sealed class PluginPki : IDisposable
{
    internal PluginPki(string? caUri = "spiffe://cluster.local", bool caIsCa = true, X509KeyUsageFlags caUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign)
    {
        var now = DateTimeOffset.UtcNow;
        RootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootReq = new CertificateRequest("CN=Operator Root, O=Example", RootKey, HashAlgorithmName.SHA256);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootReq.PublicKey, false));
        Root = rootReq.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));

        CaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=Operator Mesh CA, O=Example", CaKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(caIsCa, caIsCa, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(caUsage, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        caReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        if (caUri is not null)
        {
            // Not SubjectAlternativeNameBuilder.AddUri: System.Uri appends a '/' to "spiffe://td".
            caReq.CertificateExtensions.Add(UriSans.Build(SpiffeId.Parse(caUri), critical: false));
        }

        CaCert = caReq.Create(Root, now.AddHours(-1), now.AddYears(1), [0x01, 0x02, 0x03, 0x04]);
    }

    internal ECDsa RootKey { get; }

    internal X509Certificate2 Root { get; }

    internal ECDsa CaKey { get; }

    internal X509Certificate2 CaCert { get; }

    /// <summary>Writes the Istio cacerts layout into <paramref name="dir"/>.</summary>
    internal void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca-cert.pem"), CaCert.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(dir, "ca-key.pem"), CaKey.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(Path.Combine(dir, "root-cert.pem"), Root.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(dir, "cert-chain.pem"), CaCert.ExportCertificatePem() + "\n" + Root.ExportCertificatePem() + "\n");
    }

    public void Dispose()
    {
        RootKey.Dispose();
        Root.Dispose();
        CaKey.Dispose();
        CaCert.Dispose();
    }
}
