using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>Turns an agent config file into validated <see cref="AgentOptions"/>, reporting every problem at once.</summary>
public static class AgentConfigLoader
{
    public static AgentOptions Load(string path)
    {
        var file = ConfigFiles.Read(path, AgentConfigFile.Read);
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(file.Node))
        {
            errors.Add("node: required (the name of this node, e.g. node-1)");
        }
        TrustDomain? td = null;
        if (file.TrustDomain is null)
        {
            errors.Add("trustDomain: required (e.g. cluster.local)");
        }
        else if (!TrustDomain.TryParse(file.TrustDomain, out td, out var tdError))
        {
            errors.Add($"trustDomain: {tdError}");
        }

        CaEndpointOptions? ca = ReadCa(path, file.Node, file.Ca, errors);
        var inbound = ConfigFiles.ParseEndpoint(file.Inbound?.Listen, "inbound.listen", errors);
        var admin = file.Admin?.Listen is null ? null : ConfigFiles.ParseEndpoint(file.Admin.Listen, "admin.listen", errors);
        var workloadApi = WorkloadApiConfig.ReadEndpoint(path, file.WorkloadApi, errors);
        var intercept = InterceptConfig.Read(path, file.Intercept, errors);
        var jwt = JwtConfig.Read(file.Jwt, errors);

        var workloads = new List<LocalWorkload>();
        for (var i = 0; i < file.Workloads.Count; i++)
        {
            // Checked even when the trust domain is bad, so that every problem is reported at once.
            if (file.Workloads[i].Netns is not null)
            {
                errors.Add($"workloads[{i}].netns: pods served inside their network namespace are listed in the intercept.pods file, not here");
            }
            if (ReadWorkload(file.Workloads[i], $"workloads[{i}]", td, errors) is { } w)
            {
                workloads.Add(w);
            }
        }
        foreach (var dup in workloads.GroupBy(w => w.Key).Where(g => g.Count() > 1))
        {
            errors.Add($"workloads: '{dup.Key}' is listed more than once");
        }

        ServiceRegistry registry = ServiceRegistry.Empty;
        if (file.Registry is not null)
        {
            try
            {
                registry = RegistryLoader.Load(ConfigFiles.Resolve(path, file.Registry));
            }
            catch (ConfigException e)
            {
                errors.Add($"registry: {e.Message}");
            }
        }

        // Workloads named in the file, valid or not: an outbound listener naming one with errors is not a second error.
        var declared = file.Workloads.Select(w => $"{w.Namespace}/{w.Name}").ToHashSet(StringComparer.Ordinal);
        var outbound = new List<OutboundListener>();
        for (var i = 0; i < file.Outbound.Count; i++)
        {
            if (ReadOutbound(file.Outbound[i], $"outbound[{i}]", workloads, declared, registry, errors) is { } o)
            {
                outbound.Add(o);
            }
        }

        KubernetesDiscoveryOptions? kubernetes = null;
        if (file.Discovery?.Kubernetes is { } k)
        {
            Uri? server = null;
            if (k.ApiServer is not null && (!Uri.TryCreate(k.ApiServer, UriKind.Absolute, out server) || server.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"discovery.kubernetes.apiServer: '{k.ApiServer}' must be an https:// URL (leave it out in a cluster: the agent uses its service account)");
            }
            if (k.AgentPort is < 0 or > 65535)
            {
                errors.Add($"discovery.kubernetes.agentPort: {k.AgentPort} is not a port number 1-65535");
            }
            if (file.Registry is null)
            {
                errors.Add("discovery.kubernetes: needs registry (a file, which may list no services: its entries win over discovered ones)");
            }
            kubernetes = new KubernetesDiscoveryOptions(server, k.AgentPort == 0 ? Intercept.InterceptOptions.DefaultTunnelPort : k.AgentPort);
        }

        if (file.Policies is null)
        {
            errors.Add("policies: required (a directory of AuthorizationPolicy YAML files)");
        }
        var (decisionLog, decisionLogSettings) = DecisionLogConfig.Read(path, file.DecisionLog, errors);

        var defaultMtls = file.DefaultMtlsMode switch
        {
            null or "PERMISSIVE" => Mesh.Policy.MtlsMode.Permissive,
            "STRICT" => Mesh.Policy.MtlsMode.Strict,
            _ => Invalid($"defaultMtlsMode: '{file.DefaultMtlsMode}' must be PERMISSIVE (Istio's default) or STRICT (mTLS wherever no PeerAuthentication says otherwise)"),
        };
        Mesh.Policy.MtlsMode Invalid(string error)
        {
            errors.Add(error);
            return Mesh.Policy.MtlsMode.Permissive;
        }

        if (errors.Count > 0)
        {
            throw new ConfigException($"{path}: invalid agent config:\n  " + string.Join("\n  ", errors));
        }

        return new AgentOptions
        {
            Node = file.Node!,
            TrustDomain = td!,
            Ca = ca!,
            PoliciesDir = ConfigFiles.Resolve(path, file.Policies!),
            RootNamespace = file.RootNamespace ?? "istio-system",
            DefaultMtlsMode = defaultMtls,
            DecisionLogPath = decisionLog!,
            DecisionLog = decisionLogSettings,
            Registry = registry,
            RegistryPath = file.Registry is null ? null : ConfigFiles.Resolve(path, file.Registry),
            Kubernetes = kubernetes,
            InboundListen = inbound!,
            AdminListen = admin,
            Workloads = workloads,
            Outbound = outbound,
            WorkloadApi = workloadApi,
            Intercept = intercept,
            Jwt = jwt,
        };
    }

    private static CaEndpointOptions? ReadCa(string path, string? node, AgentConfigFile.CaSection? ca, List<string> errors)
    {
        if (ca is null)
        {
            errors.Add("ca: required (address, rootCert, tokenFile)");
            return null;
        }
        var ok = true;
        if (!Uri.TryCreate(ca.Address, UriKind.Absolute, out var address) || address.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"ca.address: '{ca.Address}' must be an https:// URL; the CA is only reached over TLS");
            ok = false;
        }
        if (ca.RootCert is null)
        {
            errors.Add("ca.rootCert: required (PEM file with the CA's root certificate)");
            ok = false;
        }
        string? token = null;
        if (ca.TokenFile is null)
        {
            errors.Add("ca.tokenFile: required (file with this node's bootstrap token)");
            ok = false;
        }
        else
        {
            try
            {
                token = File.ReadAllText(ConfigFiles.Resolve(path, ca.TokenFile)).Trim();
                if (token.Length == 0)
                {
                    errors.Add($"ca.tokenFile: {ca.TokenFile} is empty");
                    ok = false;
                }
                else if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                {
                    errors.Add($"ca.tokenFile: {ca.TokenFile} must hold only the token (one line, no spaces), as `mesh ca token` prints it or the kubelet projects it");
                    ok = false;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"ca.tokenFile: cannot read {ca.TokenFile}: {e.Message}");
                ok = false;
            }
        }
        // Default: next to the config, per node. The node key and certificate must survive a restart, or the restart
        // would need a new bootstrap token.
        var stateDir = ConfigFiles.Resolve(path, ca.StateDir ?? $"state-{node}");
        return ok ? new CaEndpointOptions(address!, ConfigFiles.Resolve(path, ca.RootCert!), token!)
        {
            TokenFilePath = ConfigFiles.Resolve(path, ca.TokenFile!),
            StateDir = stateDir,
        } : null;
    }

    internal static LocalWorkload? ReadWorkload(AgentConfigFile.WorkloadSection w, string at, TrustDomain? td, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(w.Name)) errors.Add($"{at}.name: required");
        if (string.IsNullOrWhiteSpace(w.Namespace)) errors.Add($"{at}.namespace: required");
        if (string.IsNullOrWhiteSpace(w.ServiceAccount)) errors.Add($"{at}.serviceAccount: required");
        if (!IPAddress.TryParse(w.Address, out var address))
        {
            errors.Add($"{at}.address: '{w.Address}' is not an IP address (the address the workload listens on)");
        }
        var ports = new List<WorkloadPort>();
        for (var i = 0; i < w.Ports.Count; i++)
        {
            var p = w.Ports[i];
            if (p.Port is < 1 or > 65535) errors.Add($"{at}.ports[{i}].port: {p.Port} is not a port number 1-65535");
            if (ConfigFiles.ParseProtocol(p.Protocol, $"{at}.ports[{i}].protocol", errors) is { } proto)
            {
                ports.Add(new WorkloadPort(p.Port, proto));
            }
        }
        var attest = WorkloadApiConfig.ReadAttest(w.Attest, at, errors);
        SpiffeId? id = null;
        if (errors.Count == before && td is not null)
        {
            try
            {
                id = SpiffeId.ForWorkload(td, w.Namespace!, w.ServiceAccount!);
            }
            catch (ArgumentException e)
            {
                errors.Add($"{at}: namespace/serviceAccount do not form a valid SPIFFE ID: {e.Message}");
            }
        }
        if (errors.Count != before || id is null)
        {
            return null;
        }
        return new LocalWorkload
        {
            Name = w.Name!,
            Namespace = w.Namespace!,
            ServiceAccount = w.ServiceAccount!,
            Labels = w.Labels,
            Address = address!,
            Ports = ports,
            Identity = id,
            Attest = attest,
            Netns = w.Netns,
        };
    }

    private static OutboundListener? ReadOutbound(AgentConfigFile.OutboundSection o, string at, List<LocalWorkload> workloads, HashSet<string> declared, ServiceRegistry registry, List<string> errors)
    {
        var listen = ConfigFiles.ParseEndpoint(o.Listen, $"{at}.listen", errors);
        var source = workloads.FirstOrDefault(w => w.Key == o.From);
        if (source is null && (o.From is null || !declared.Contains(o.From)))
        {
            errors.Add($"{at}.from: '{o.From}' is not a workload of this node; name one as namespace/name");
        }
        var colon = o.To?.LastIndexOf(':') ?? -1;
        if (o.To is null || colon <= 0 || !int.TryParse(o.To.AsSpan(colon + 1), out var port))
        {
            errors.Add($"{at}.to: '{o.To}' must be service:port as named in the registry");
            return null;
        }
        var name = o.To[..colon];
        var service = registry.Find(name);
        if (service is null)
        {
            errors.Add($"{at}.to: service '{name}' is not in the registry");
        }
        else if (service.FindPort(port) is null)
        {
            errors.Add($"{at}.to: service '{name}' has no port {port}");
        }
        return listen is null || source is null || service is null ? null : new OutboundListener(listen, source, name, port);
    }
}
