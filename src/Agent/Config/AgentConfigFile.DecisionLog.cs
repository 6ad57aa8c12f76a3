namespace Mesh.Agent.Config;

// The decision log's part of the config file: `decisionLog: PATH`, or a mapping with path and the settings.
internal sealed partial class AgentConfigFile
{
    internal sealed class DecisionLogSection
    {
        public string? Path { get; private init; }
        public string? MaxBytes { get; private init; }
        public string? Keep { get; private init; }
        public string? OnFailure { get; private init; }
        public string? HmacKeyFile { get; private init; }
        public IReadOnlyList<string> RedactHash { get; private init; } = [];
        public IReadOnlyList<string> RedactDrop { get; private init; } = [];

        public static DecisionLogSection? ReadField(YamlMap parent, string key) => parent.StringOrMap(key) switch
        {
            (_, { } map) => Read(map),
            ({ } path, _) => new DecisionLogSection { Path = path },
            _ => null,
        };

        private static DecisionLogSection Read(YamlMap map)
        {
            var redact = map.Map("redact");
            var section = new DecisionLogSection
            {
                Path = map.String("path"),
                MaxBytes = map.String("maxBytes"),
                Keep = map.String("keep"),
                OnFailure = map.String("onFailure"),
                HmacKeyFile = map.String("hmacKeyFile"),
                RedactHash = redact?.StringList("hash") ?? [],
                RedactDrop = redact?.StringList("drop") ?? [],
            };
            redact?.EnsureAllRead();
            map.EnsureAllRead();
            return section;
        }
    }
}
