namespace Mesh.Ca;

/// <summary>One CA certificate in the state, for `mesh ca init` and `mesh ca status`.</summary>
/// <param name="Role">root, intermediate, next-root, next-intermediate, previous-root, previous-intermediate, or for plug-in certs plugin-ca / plugin-root.</param>
public sealed record CaCertificateReport(
    string Role, string Subject, string Sha256Fingerprint, DateTimeOffset NotBefore, DateTimeOffset NotAfter,
    string CertPath, string? KeyPath, bool KeyEncrypted);

/// <summary>What the CA's key material is and where a rotation stands. Read without private keys or passphrase.</summary>
public sealed record CaStateReport(
    string Mode, string StateDir, string BundlePath, string RotationState, DateTimeOffset? NextPhaseDueAt,
    DateTimeOffset? LastRotationCompletedAt, IReadOnlyList<CaCertificateReport> Certificates);
