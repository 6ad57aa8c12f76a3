namespace Mesh.Ca;

/// <summary>Validity window of an issued leaf. Pure: the clock and the issuer's expiry are inputs.</summary>
internal static class LeafLifetime
{
    /// <summary>Backdating absorbs clock skew between the CA and the peers that verify the leaf.</summary>
    internal static readonly TimeSpan Backdate = TimeSpan.FromSeconds(60);

    /// <summary>
    /// ttl = requested if positive, capped at max; else the default. NotAfter never passes the
    /// issuer's (SPIRE does the same: a leaf cannot outlive the key that vouches for it).
    /// </summary>
    internal static (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Compute(
        DateTimeOffset now, long requestedTtlSeconds, TimeSpan defaultTtl, TimeSpan maxTtl,
        DateTimeOffset issuerNotBefore, DateTimeOffset issuerNotAfter)
    {
        var ttl = requestedTtlSeconds <= 0 ? defaultTtl
            : requestedTtlSeconds >= maxTtl.TotalSeconds ? maxTtl
            : TimeSpan.FromSeconds(requestedTtlSeconds);
        if (ttl > maxTtl)
        {
            ttl = maxTtl;
        }

        // Certificates carry whole seconds; truncating here keeps NotAfter <= issuer NotAfter exact.
        var notBefore = Max(Truncate(now - Backdate), issuerNotBefore);
        var notAfter = Min(Truncate(now + ttl), issuerNotAfter);
        return (notBefore, notAfter);
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
