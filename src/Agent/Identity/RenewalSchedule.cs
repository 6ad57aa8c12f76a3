namespace Mesh.Agent.Identity;

/// <summary>When to renew a certificate and how long to wait after a failure. Pure functions of their inputs.</summary>
public static class RenewalSchedule
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(150);

    /// <summary>Renew at half of the lifetime (as SPIRE and Istio do), so a CA outage of up to half a lifetime is survived.</summary>
    public static TimeSpan RenewIn(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now)
    {
        var renewAt = notBefore + (notAfter - notBefore) / 2;
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
