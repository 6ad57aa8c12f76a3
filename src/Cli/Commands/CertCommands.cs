using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Cli.Commands;

/// <summary>`mesh cert inspect FILE`: what a PEM chain says, and every way it breaks the SPIFFE X509-SVID profile.</summary>
internal static class CertCommands
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "PEM file with one certificate or a chain (leaf first)" };
        var inspect = new Command("inspect", "Print each certificate's SPIFFE ID, subject/issuer, serial, validity and key type, and every X509-SVID profile violation. Exit 1 if any.") { file };
        inspect.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            X509Certificate2Collection certs;
            try
            {
                certs = CertificateInspection.ReadPem(File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                return CliErrors.Fail($"{path}: {e.Message}");
            }

            if (certs.Count == 0)
            {
                return CliErrors.Fail($"{path}: no CERTIFICATE block found");
            }

            var violations = 0;
            for (var i = 0; i < certs.Count; i++)
            {
                violations += Print(i, certs[i]);
            }

            Console.Out.WriteLine(violations == 0 ? "ok: no X509-SVID profile violations" : $"{violations} X509-SVID profile violation(s)");
            return violations == 0 ? 0 : CliErrors.Failure;
        });

        return new Command("cert", "Certificate tools") { inspect };
    }

    private static int Print(int index, X509Certificate2 cert)
    {
        // X509-SVID.md 4.1: the leaf is the certificate that is not a CA; everything above it signs.
        var signing = CertificateInspection.IsCa(cert);
        Console.Out.WriteLine($"[{index}] {(signing ? "signing certificate" : "leaf")}");
        Console.Out.WriteLine($"  spiffe id: {(SvidValidator.TryGetSpiffeId(cert, out var id, out var idError) ? id.ToString() : $"(none: {idError})")}");
        Console.Out.WriteLine($"  subject: {(cert.Subject.Length == 0 ? "(empty)" : cert.Subject)}");
        Console.Out.WriteLine($"  issuer: {cert.Issuer}");
        Console.Out.WriteLine($"  serial: {cert.SerialNumber}");
        Console.Out.WriteLine($"  not before: {Time(cert.NotBefore)}");
        Console.Out.WriteLine($"  not after: {Time(cert.NotAfter)}");
        Console.Out.WriteLine($"  key: {KeyType(cert)}");
        Console.Out.WriteLine($"  sha256: {Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256))}");

        var problems = signing ? CertificateInspection.CheckSigningProfile(cert) : SvidValidator.CheckLeafProfile(cert);
        if (index > 0 && !signing)
        {
            problems = [.. problems, "a certificate after the leaf must be a signing certificate (cA=true)"];
        }

        foreach (var problem in problems)
        {
            Console.Out.WriteLine($"  violation: {problem}");
        }

        return problems.Count;
    }

    private static string KeyType(X509Certificate2 cert)
    {
        using var ec = cert.GetECDsaPublicKey();
        if (ec is not null)
        {
            var curve = ec.ExportParameters(false).Curve.Oid.Value switch
            {
                "1.2.840.10045.3.1.7" => "P-256",
                "1.3.132.0.34" => "P-384",
                "1.3.132.0.35" => "P-521",
                var other => other ?? "explicit curve",
            };
            return $"ECDSA {curve}";
        }

        using var rsa = cert.GetRSAPublicKey();
        return rsa is not null ? $"RSA {rsa.KeySize} bits" : cert.PublicKey.Oid.FriendlyName ?? cert.PublicKey.Oid.Value ?? "unknown";
    }

    private static string Time(DateTime local) =>
        local.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
