using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Ca;

/// <summary>
/// Loads <see cref="CaOptions"/> from YAML. Every problem is reported at once, each as
/// "file:line:col: message" with what to write instead.
/// </summary>
/// <example>
/// trustDomain: cluster.local
/// stateDir: ./ca-state          # relative paths are resolved against this file's directory
/// listen: 127.0.0.1:8443
/// defaultTtl: 1h
/// maxTtl: 24h
/// auditLog: ./ca-state/issuance-audit.log
/// registry: ./workloads.yaml    # which workloads run on which node (see WorkloadRegistryFile)
/// auth:
///   kubernetes:                 # optional: accept node agents' projected service-account tokens
///     issuer: https://kubernetes.default.svc.cluster.local
///     jwksFile: ./cluster-jwks.json
///     audience: mesh-ca
///     agentServiceAccounts: [mesh-system/mesh-agent]
/// </example>
public static class CaConfigLoader
{
    public static CaOptions Load(string yamlPath)
    {
        ArgumentNullException.ThrowIfNull(yamlPath);
        var fullPath = Path.GetFullPath(yamlPath);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (IOException ex)
        {
            throw new CaConfigException($"{yamlPath}: cannot read CA config: {ex.Message}", ex);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new CaConfigException($"{yamlPath}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.Message}", ex);
        }

        var reader = new ConfigReader(yamlPath, Path.GetDirectoryName(fullPath)!);
        var options = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode root
            ? reader.Read(root)
            : reader.Fail(stream.Documents.FirstOrDefault()?.RootNode, "the file must be one YAML mapping with trustDomain and stateDir");
        return reader.Errors.Count > 0 ? throw new CaConfigException(reader.Errors) : options!;
    }
}
