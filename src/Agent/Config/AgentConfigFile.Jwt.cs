namespace Mesh.Agent.Config;

// Request authentication: the optional jwt section (clockSkew, maxTokenBytes, algorithms per issuer).
internal sealed partial class AgentConfigFile
{
    public JwtSection? Jwt { get; private init; }

    internal sealed class JwtSection
    {
        public string? ClockSkew { get; private init; }
        public string? MaxTokenBytes { get; private init; }

        /// <summary>Issuer -> the algorithms its tokens may be signed with.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Algorithms { get; private init; } = new Dictionary<string, IReadOnlyList<string>>();

        public static JwtSection Read(YamlMap map)
        {
            var algorithms = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (map.Map("algorithms") is { } byIssuer)
            {
                foreach (var issuer in byIssuer.Keys)
                {
                    algorithms[issuer] = byIssuer.StringList(issuer);
                }

                byIssuer.EnsureAllRead();
            }

            var section = new JwtSection { ClockSkew = map.String("clockSkew"), MaxTokenBytes = map.String("maxTokenBytes"), Algorithms = algorithms };
            map.EnsureAllRead();
            return section;
        }
    }
}
