namespace Mesh.Agent.Health;

/// <summary>
/// The two numbers of an ejection, pure. Envoy's outlier detection overview: "If no hosts have been ejected, Envoy
/// will eject the host immediately. Otherwise, it checks to make sure the number of ejected hosts is below the allowed
/// threshold (max_ejection_percent)"; "The number of milliseconds is equal to the base_ejection_time value multiplied
/// by the number of times the host has been ejected", capped by max_ejection_time (default 300 s).
/// </summary>
internal static class EjectionRule
{
    /// <summary>Envoy's default max_ejection_time; the policy has no field for it. A base above it wins.</summary>
    public static readonly TimeSpan MaxEjectionTime = TimeSpan.FromSeconds(300);

    /// <summary>How long the next ejection of an endpoint already ejected <paramref name="previousEjections"/> times lasts.</summary>
    public static TimeSpan Duration(TimeSpan baseTime, int previousEjections)
    {
        var cap = baseTime > MaxEjectionTime ? baseTime : MaxEjectionTime;
        var ticks = (double)baseTime.Ticks * (previousEjections + 1L);
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Whether one more of <paramref name="total"/> endpoints may be ejected while <paramref name="ejected"/> are.</summary>
    public static bool Allowed(int ejected, int total, int maxPercent) =>
        ejected == 0 || (ejected + 1) * 100L <= (long)maxPercent * total;
}
