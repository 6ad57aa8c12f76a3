using Mesh.Policy.Evaluation;
using Mesh.Policy.Loading;

namespace Mesh.Policy;

/// <summary>
/// Loads Istio AuthorizationPolicy YAML. Every error in every file is reported, and any error
/// means no policy set: the caller keeps its last good set rather than enforce part of the new one.
/// </summary>
public static class PolicyLoader
{
    /// <summary>
    /// Loads <c>*.yaml</c> and <c>*.yml</c> in <paramref name="directory"/> (not subdirectories), in name order.
    /// Names starting with '.' are skipped: editor swap files and Kubernetes ConfigMap internals (<c>..data</c>).
    /// </summary>
    public static PolicyLoadResult LoadDirectory(string directory, PolicyLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var errors = new List<PolicyError>();
        if (!Directory.Exists(directory))
        {
            errors.Add(new PolicyError(directory, 0, 0, "policy directory does not exist"));
            return new PolicyLoadResult(null, errors);
        }

        var files = Directory.EnumerateFiles(directory)
            .Where(IsPolicyFile)
            .Order(StringComparer.Ordinal)
            .ToList();
        var definitions = new List<PolicyDefinition>();
        var authn = new AuthnDefinitions();
        var digest = new PolicySetDigest();
        foreach (var file in files)
        {
            var sink = new ErrorSink(file, errors);
            try
            {
                // Hashed and parsed from the same bytes, so the digest names exactly what is enforced.
                var bytes = File.ReadAllBytes(file);
                digest.Add(Path.GetFileName(file), bytes);
                using var text = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
                definitions.AddRange(PolicyFileReader.Read(text.ReadToEnd(), sink, authn));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sink.WholeFile($"cannot read policy file: {e.Message}");
            }
        }

        return Build(definitions, authn, errors, options, digest);
    }

    public static PolicyLoadResult LoadYaml(string yaml, string fileName, PolicyLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        var errors = new List<PolicyError>();
        var authn = new AuthnDefinitions();
        var definitions = PolicyFileReader.Read(yaml, new ErrorSink(fileName, errors), authn);
        var digest = new PolicySetDigest();
        digest.Add(Path.GetFileName(fileName), System.Text.Encoding.UTF8.GetBytes(yaml));
        return Build(definitions, authn, errors, options, digest);
    }

    private static PolicyLoadResult Build(
        List<PolicyDefinition> definitions, AuthnDefinitions authn, List<PolicyError> errors, PolicyLoaderOptions? options, PolicySetDigest digest)
    {
        options ??= new PolicyLoaderOptions();
        ReportDuplicates(definitions, errors);
        AuthnChecks.Report(authn, options.RootNamespace, errors);
        if (errors.Count > 0)
        {
            return new PolicyLoadResult(null, errors);
        }

        var rootNamespace = options.RootNamespace;
        return new PolicyLoadResult(new PolicySet(definitions.Select(PolicyCompiler.Compile), rootNamespace) { Digest = digest.Compute() }, errors)
        {
            PeerAuthentications = new PeerAuthenticationSet(authn.Peer, rootNamespace, options.DefaultMtlsMode),
            RequestAuthentications = new RequestAuthenticationSet(authn.Request, rootNamespace),
        };
    }

    /// <summary>Kubernetes would keep only one of two same-named objects; which one would depend on apply order.</summary>
    private static void ReportDuplicates(List<PolicyDefinition> definitions, List<PolicyError> errors)
    {
        var seen = new Dictionary<string, PolicyDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (seen.TryGetValue(definition.FullName, out var first))
            {
                var at = definition.Location;
                errors.Add(new PolicyError(at.File, at.Line, at.Column,
                    $"duplicate policy {definition.FullName}; first defined at {first.Location}; rename or remove one"));
            }
            else
            {
                seen.Add(definition.FullName, definition);
            }
        }
    }

    private static bool IsPolicyFile(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.')
            && (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
    }
}
