using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>Builds the chain from a leaf to one of a fixed set of roots, with nothing fetched.</summary>
internal static class ChainVerifier
{
    /// <summary>Null when the chain builds and every signing cert has the CA profile; else the reason.</summary>
    internal static string? Verify(X509Certificate2 leaf, X509Certificate2Collection? intermediates, X509Certificate2Collection roots, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(roots);
        if (intermediates is not null)
        {
            policy.ExtraStore.AddRange(intermediates);
        }

        // Peers are authenticated against the bundle alone: no CRL/OCSP (SPIFFE relies on short
        // lifetimes) and no AIA fetches, which would let a peer make us dial arbitrary URLs.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationFlags = X509VerificationFlags.NoFlag;
        policy.VerificationTime = at.UtcDateTime;
        policy.VerificationTimeIgnored = false;

        if (!chain.Build(leaf))
        {
            var reasons = chain.ChainStatus
                .Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => Describe(s.Status, s.StatusInformation))
                .Distinct()
                .ToList();
            return reasons.Count == 0
                ? "certificate chain does not build to the trust bundle"
                : "certificate chain does not verify: " + string.Join("; ", reasons);
        }

        // X509-SVID.md 4.1/4.3: every signing certificate is a CA with keyCertSign. Platform
        // chain engines differ on whether they insist on this, so check it ourselves, with the
        // RFC 5280 rules OpenSSL leaves out (ChainElementRules), on every element of the path.
        for (var i = 0; i < chain.ChainElements.Count; i++)
        {
            var element = chain.ChainElements[i].Certificate;
            var isSigner = i > 0;
            var problems = ChainElementRules.Check(element, isSigner);
            if (isSigner)
            {
                problems = [.. SvidProfile.CheckSigning(X509Facts.Of(element)), .. problems];
            }

            if (problems.Count > 0)
            {
                return $"{Name(element)}: {string.Join("; ", problems)}";
            }
        }

        return null;
    }

    private static string Name(X509Certificate2 cert) => cert.Subject.Length > 0 ? cert.Subject : "certificate with an empty subject";

    private static string Describe(X509ChainStatusFlags flag, string info) => flag switch
    {
        X509ChainStatusFlags.NotTimeValid => "certificate is expired or not yet valid",
        X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "certificate is not signed by a root in the trust bundle",
        X509ChainStatusFlags.NotSignatureValid => "certificate signature is invalid",
        _ => $"{flag}: {info.Trim()}",
    };
}
