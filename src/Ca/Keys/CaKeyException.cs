namespace Mesh.Ca;

/// <summary>
/// The CA's key material cannot be used: a missing or wrong passphrase, a half state dir, a bad
/// plug-in certificate set. Always a startup error; the CA never answers one by making a new key.
/// </summary>
public sealed class CaKeyException : Exception
{
    public CaKeyException(string message)
        : base(message)
    {
    }

    public CaKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaKeyException()
        : this("the CA key material is unusable")
    {
    }
}
