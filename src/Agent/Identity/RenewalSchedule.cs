namespace Mesh.Agent.Identity;

/// <summary>When to renew a certificate and how long to wait after a failure. Pure functions of their inputs.</summary>
public static class RenewalSchedule
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(150);

    /// <summary>How far a CA may set notBefore back for clock skew (the X509-SVID profile here: 60 s).</summary>
    public static readonly TimeSpan MaxBackdating = TimeSpan.FromSeconds(60);

    /// <summary>Renew at half of the lifetime (as SPIRE and Istio do), so a CA outage of up to half a lifetime is survived.</summary>
    /// <remarks>The lifetime is counted from issuance, not from the backdated notBefore; see the overload.</remarks>
    public static TimeSpan RenewIn(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now) => RenewIn(notBefore, notAfter, now, 0);

    /// <summary>
    /// Half-life moved by up to ±10% of itself (<paramref name="jitter"/> in [-1, 1]), so a node's certificates, all
    /// issued together at start, do not all come due at the same instant again and again.
    /// </summary>
    public static TimeSpan RenewIn(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now, double jitter)
    {
        // CAs backdate notBefore for clock skew (ours by 60 s). Counting the lifetime from there would renew a short-lived
        // certificate at once, again and again; counting from "now" would push a certificate loaded after a restart past
        // its half-life. So the life starts at now, but never later than notBefore + the largest backdating.
        var start = now < notBefore ? notBefore : now > notBefore + MaxBackdating ? notBefore + MaxBackdating : now;
        var renewAt = start + (notAfter - start) / 2 * (1 + 0.1 * Math.Clamp(jitter, -1, 1));
        var wait = renewAt - now;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    /// <summary>Exponential backoff 0.5 s, 1 s, 2 s ... capped at 150 s.</summary>
    public static TimeSpan Backoff(int failures)
    {
        var ms = MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxBackoff.TotalMilliseconds));
    }
}
