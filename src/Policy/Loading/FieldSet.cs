namespace Mesh.Policy.Loading;

/// <summary>
/// The fields one YAML mapping may hold. Istio fields this agent cannot evaluate are listed apart
/// from unknown ones only to give a better message: both are load errors, because a security
/// policy enforced without one of its fields is a different, usually wider, policy.
/// </summary>
internal sealed record FieldSet(string Where, IReadOnlyList<string> Supported, IReadOnlyList<string> NotYetSupported)
{
    public static readonly FieldSet Document = new(
        "the document", ["apiVersion", "kind", "metadata", "spec"], ["status"]);

    public static readonly FieldSet Metadata = new(
        "metadata",
        ["name", "namespace", "annotations"],
        ["labels", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "finalizers", "ownerReferences", "generateName", "deletionTimestamp"]);

    /// <summary>targetRef(s) and provider are read only to refuse them with their own message.</summary>
    public static readonly FieldSet Spec = new("spec", ["selector", "action", "rules", "provider", "targetRef", "targetRefs"], []);

    public static readonly FieldSet Selector = new("spec.selector", ["matchLabels"], []);

    public static readonly FieldSet Rule = new("a rule", ["from", "to", "when"], []);

    public static readonly FieldSet From = new("a 'from' entry", ["source"], []);

    public static readonly FieldSet To = new("a 'to' entry", ["operation"], []);

    public static readonly FieldSet Source = new(
        "source",
        ["principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals", "namespaces", "notNamespaces",
         "serviceAccounts", "notServiceAccounts", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks",
         "trustDomains", "notTrustDomains"],
        []);

    public static readonly FieldSet Operation = new(
        "operation", ["hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths"], []);

    public static readonly FieldSet Condition = new("a 'when' condition", ["key", "values", "notValues"], []);
}
