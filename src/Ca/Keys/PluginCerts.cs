using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// An operator-supplied signing CA in Istio's <c>cacerts</c> layout. Everything is checked before
/// the CA starts, and every problem is reported, each naming the file.
/// </summary>
internal static class PluginCerts
{
    internal const string CaCertFile = "ca-cert.pem";
    internal const string CaKeyFile = "ca-key.pem";
    internal const string RootCertFile = "root-cert.pem";
    internal const string CertChainFile = "cert-chain.pem";

    /// <exception cref="CaKeyException">The set is unusable; the message lists every reason.</exception>
    internal static CaKeys Load(string dir, TrustDomain td, string? passphrase, DateTimeOffset now)
    {
        var problems = new List<string>();
        string Full(string f) => Path.Combine(dir, f);
        foreach (var f in new[] { CaCertFile, CaKeyFile, RootCertFile, CertChainFile }.Where(f => !File.Exists(Full(f))))
        {
            problems.Add($"{Full(f)} is missing; a plug-in CA directory holds {CaCertFile}, {CaKeyFile}, {RootCertFile} and {CertChainFile}");
        }

        if (problems.Count > 0)
        {
            throw Fail(dir, problems);
        }

        var caCerts = ReadCerts(Full(CaCertFile), problems);
        var roots = ReadCerts(Full(RootCertFile), problems);
        var chainFile = ReadCerts(Full(CertChainFile), problems);
        ECDsa? key = null;
        try
        {
            key = PrivateKeyFile.Read(Full(CaKeyFile), passphrase);
        }
        catch (CaKeyException e)
        {
            problems.Add(e.Message);
        }

        if (caCerts.Count != 1)
        {
            problems.Add($"{Full(CaCertFile)} must hold exactly one certificate (the signing CA), found {caCerts.Count}");
        }

        if (problems.Count > 0)
        {
            key?.Dispose();
            throw Fail(dir, problems);
        }

        using (key)
        {
            var caCert = caCerts[0];
            Check(caCert, key!, roots, chainFile, td, now, problems, Full);
            if (problems.Count > 0)
            {
                throw Fail(dir, problems);
            }

            var chain = BuildChain(caCert, chainFile, roots, now, out _)!;
            var signer = caCert.CopyWithPrivateKey(key!);
            return new CaKeys(signer, chain, new TrustBundle(td, roots), "plugin");
        }
    }

    private static void Check(X509Certificate2 caCert, ECDsa key, X509Certificate2Collection roots, X509Certificate2Collection chainFile,
        TrustDomain td, DateTimeOffset now, List<string> problems, Func<string, string> full)
    {
        if (!caCert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            problems.Add($"{full(CaKeyFile)} is not the private key of {full(CaCertFile)}");
        }

        foreach (var p in SvidProfile.CheckSigning(X509Facts.Of(caCert)))
        {
            problems.Add($"{full(CaCertFile)}: {p}");
        }

        if (now < Utc(caCert.NotBefore) || now >= Utc(caCert.NotAfter))
        {
            problems.Add($"{full(CaCertFile)} is not valid now (valid {Utc(caCert.NotBefore):o} to {Utc(caCert.NotAfter):o})");
        }

        // Istio's plugged-in CA certs usually carry no URI SAN; SPIFFE allows a signing cert to carry
        // the trust domain's own ID. Either is accepted; any other SPIFFE ID would put this CA in
        // another trust domain, and its leaves would fail X509-SVID.md 5.2 at every peer.
        var (uris, sanError) = UriSans.Read(caCert);
        if (sanError is not null)
        {
            problems.Add($"{full(CaCertFile)}: {sanError}");
        }
        else if (uris.Count > 0 && (uris.Count > 1 || uris[0] != td.Id.ToString()))
        {
            problems.Add($"{full(CaCertFile)} has URI SAN {string.Join(", ", uris)}; a signing CA for {td} may carry only {td.Id} or no URI SAN");
        }

        if (roots.Count == 0)
        {
            problems.Add($"{full(RootCertFile)} holds no certificate");
        }

        foreach (var root in roots.Where(r => !CaKeys.IsSelfIssued(r)))
        {
            problems.Add($"{full(RootCertFile)}: {root.Subject} is not self-signed; root-cert.pem holds the trust anchors only");
        }

        if (chainFile.Count == 0 || chainFile[0].Thumbprint != caCert.Thumbprint)
        {
            problems.Add($"{full(CertChainFile)} must start with {CaCertFile} and continue up to the root (Istio's layout)");
        }

        if (roots.Count > 0 && BuildChain(caCert, chainFile, roots, now, out var chainError) is null)
        {
            problems.Add($"{full(CaCertFile)} does not chain to {full(RootCertFile)} through {full(CertChainFile)}: {chainError}");
        }
    }

    /// <summary>ca-cert, its intermediates, the root last; null (with the reason) when it does not build.</summary>
    private static X509Certificate2Collection? BuildChain(X509Certificate2 caCert, X509Certificate2Collection chainFile,
        X509Certificate2Collection roots, DateTimeOffset now, out string? error)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(chainFile);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (!chain.Build(caCert))
        {
            error = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
            return null;
        }

        error = null;
        var result = new X509Certificate2Collection();
        foreach (var element in chain.ChainElements)
        {
            result.Add(X509CertificateLoader.LoadCertificate(element.Certificate.RawData));
        }

        return result;
    }

    private static X509Certificate2Collection ReadCerts(string path, List<string> problems)
    {
        try
        {
            return CertificatePem.ReadAll(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            problems.Add($"{path}: {e.Message}");
            return [];
        }
    }

    private static CaKeyException Fail(string dir, List<string> problems) =>
        new($"plug-in CA certificates in {dir} are unusable:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));

    private static DateTimeOffset Utc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
