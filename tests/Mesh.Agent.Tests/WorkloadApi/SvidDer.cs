using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>Splits the Workload API's concatenated DER certificates, as a client does.</summary>
internal static class SvidDer
{
    public static List<X509Certificate2> Certificates(ReadOnlyMemory<byte> der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var certs = new List<X509Certificate2>();
        while (reader.HasData)
        {
            certs.Add(X509CertificateLoader.LoadCertificate(reader.ReadEncodedValue().Span));
        }
        return certs;
    }
}
