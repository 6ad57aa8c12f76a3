namespace Mesh.Agent.Authn;

/// <summary>The agent's JWT settings (agent config <c>jwt:</c>), immutable; RequestAuthentication says which issuers, this says how strictly.</summary>
/// <param name="ClockSkew">Leeway on <c>exp</c> and <c>nbf</c> for clocks that disagree.</param>
/// <param name="MaxTokenBytes">A longer token is refused before it is decoded.</param>
/// <param name="Algorithms">Per issuer, the algorithms its tokens may use; other issuers get the default list (RS, PS and ES 256/384/512).</param>
public sealed record JwtOptions(TimeSpan ClockSkew, int MaxTokenBytes, IReadOnlyDictionary<string, IReadOnlyList<string>> Algorithms)
{
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    public const int DefaultMaxTokenBytes = 16 * 1024;

    public static JwtOptions Default { get; } = new(DefaultClockSkew, DefaultMaxTokenBytes, new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>How JWKS URLs are fetched; not in the config file (tests shorten it).</summary>
    public JwksFetchPolicy Fetch { get; init; } = JwksFetchPolicy.Default;

    public IReadOnlyList<string> AlgorithmsFor(string issuer) => Algorithms.TryGetValue(issuer, out var list) ? list : JwsAlgorithms.Default;
}
