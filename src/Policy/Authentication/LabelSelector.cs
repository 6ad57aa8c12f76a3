namespace Mesh.Policy.Authentication;

/// <summary>Istio's workload selector: every matchLabels entry must be among the workload's labels.</summary>
internal static class LabelSelector
{
    /// <summary>A null or empty selector selects every workload (it is namespace- or mesh-wide).</summary>
    public static bool IsEmpty(IReadOnlyDictionary<string, string>? matchLabels) => matchLabels is null || matchLabels.Count == 0;

    public static bool Selects(IReadOnlyDictionary<string, string>? matchLabels, IReadOnlyDictionary<string, string> workloadLabels)
    {
        if (matchLabels is null)
        {
            return true;
        }

        foreach (var (key, value) in matchLabels)
        {
            if (!workloadLabels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when some workload could carry both selectors' labels: no key is required with two different values.
    /// Used at load to find policies that might apply to the same workload.
    /// </summary>
    public static bool Overlap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        foreach (var (key, value) in a)
        {
            if (b.TryGetValue(key, out var other) && !string.Equals(other, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static string Describe(IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}: {l.Value}")) + "}";
}
