using System.Globalization;

namespace Mesh.Agent.Config;

/// <summary>Validates a registry service's <c>retries</c> (Istio's HTTPRetry plus Envoy's retry budget and backoff).</summary>
internal static class RetryPolicyReader
{
    private const string RetryOnHelp = "connect-failure, reset, 5xx, gateway-error or a status code 100-599";

    public static RetryPolicy Read(RegistryPolicySection.RetriesSection s, string at, PolicyValues v)
    {
        var d = new RetryPolicy();
        var policy = new RetryPolicy
        {
            Attempts = v.Int(s.Attempts, $"{at}.attempts", 0, 100, d.Attempts),
            PerTryTimeout = s.PerTryTimeout is null ? null : v.Duration(s.PerTryTimeout, $"{at}.perTryTimeout", TimeSpan.Zero),
            BudgetPercent = v.Percent(s.BudgetPercent, $"{at}.budgetPercent", d.BudgetPercent),
            MinRetryConcurrency = v.Int(s.MinRetryConcurrency, $"{at}.minRetryConcurrency", 0, 100_000, d.MinRetryConcurrency),
            BackoffBase = v.Duration(s.BackoffBase, $"{at}.backoff.base", d.BackoffBase),
            BackoffMax = v.Duration(s.BackoffMax, $"{at}.backoff.max", d.BackoffMax),
        };
        if (policy.BackoffMax < policy.BackoffBase)
        {
            v.Errors.Add($"{at}.backoff.max: {s.BackoffMax ?? "the default 250ms"} is shorter than backoff.base {s.BackoffBase ?? "25ms"}");
        }
        return s.RetryOn is { } retryOn ? RetryOn(policy, retryOn, $"{at}.retryOn", v) : policy;
    }

    /// <summary>
    /// Istio's comma-separated retryOn. Written out, it replaces the default (connect-failure,reset): only what is listed
    /// is retried.
    /// </summary>
    private static RetryPolicy RetryOn(RetryPolicy policy, string text, string at, PolicyValues v)
    {
        var connect = false;
        var reset = false;
        var statuses = new SortedSet<int>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (raw.ToLowerInvariant())
            {
                case "connect-failure": connect = true; break;
                case "reset": reset = true; break;
                case "5xx": statuses.UnionWith(Enumerable.Range(500, 100)); break;
                case "gateway-error": statuses.UnionWith([502, 503, 504]); break;
                default:
                    if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599)
                    {
                        statuses.Add(status);
                    }
                    else
                    {
                        v.Errors.Add($"{at}: '{raw}' is not a retry condition; use {RetryOnHelp}");
                    }
                    break;
            }
        }
        return policy with { OnConnectFailure = connect, OnReset = reset, OnStatuses = statuses.ToList() };
    }
}
