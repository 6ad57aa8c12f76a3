namespace Mesh.Ca;

/// <summary>
/// The runtime seam between the CA's key material and everything that uses it (Issuer.Sign, the
/// gRPC service, the CA's own TLS certificate). Readers take <see cref="Current"/> once per
/// operation and use that snapshot throughout; the rotation driver swaps in a new one.
/// </summary>
internal sealed class CaKeyring(CaKeys initial)
{
    private CaKeys _current = initial;

    internal event Action<CaKeys>? Changed;

    internal CaKeys Current => Volatile.Read(ref _current);

    /// <summary>
    /// Old snapshots are not disposed: a request may still be signing with one. Their handles are
    /// released by the finalizer; a rotation happens a few times a year.
    /// </summary>
    internal void Swap(CaKeys next)
    {
        Volatile.Write(ref _current, next);
        Changed?.Invoke(next);
    }
}
