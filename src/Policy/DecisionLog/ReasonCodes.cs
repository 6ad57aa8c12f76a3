namespace Mesh.Policy;

/// <summary>
/// The closed set of <c>result.reason</c> codes. Auditors filter on these, so a new code is a schema change
/// (docs/decision-log.md); the words for humans go in <c>result.detail</c>.
/// </summary>
public static class ReasonCodes
{
    /// <summary>An ALLOW policy's rule matched and no DENY did.</summary>
    public const string AllowedByPolicy = "allowed_by_policy";

    /// <summary>A DENY policy's rule matched.</summary>
    public const string DeniedByPolicy = "denied_by_policy";

    /// <summary>ALLOW policies select the workload but none matched (Istio step 4: deny).</summary>
    public const string NoAllowMatch = "no_allow_match";

    /// <summary>No ALLOW policy selects the workload (Istio step 2: allow).</summary>
    public const string DefaultAllow = "default_allow";

    /// <summary>The peer did not authenticate with mTLS where it had to.</summary>
    public const string PeerNotMtls = "peer_not_mtls";

    /// <summary>The decision log cannot be written and the agent fails closed.</summary>
    public const string DecisionLogUnavailable = "decision_log_unavailable";

    /// <summary>
    /// The request carried a JWT that RequestAuthentication refused (bad signature, expired, unknown issuer, ...); it was
    /// answered 401 (403 for a wrong audience) before authorization ran. <c>result.detail</c> says why.
    /// </summary>
    public const string JwtInvalid = "jwt_invalid";

    public static IReadOnlyList<string> All { get; } =
        [AllowedByPolicy, DeniedByPolicy, NoAllowMatch, DefaultAllow, PeerNotMtls, DecisionLogUnavailable, JwtInvalid];

    /// <summary>The code for an evaluator decision: a named policy decided, or one of Istio's two defaults did.</summary>
    public static string For(AuthzDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return (decision.Allowed, decision.Policy is not null) switch
        {
            (true, true) => AllowedByPolicy,
            (false, true) => DeniedByPolicy,
            (true, false) => DefaultAllow,
            (false, false) => NoAllowMatch,
        };
    }
}
