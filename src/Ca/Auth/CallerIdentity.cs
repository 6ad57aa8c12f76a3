namespace Mesh.Ca;

/// <summary>How a caller proved who it is.</summary>
public enum AuthMethod
{
    /// <summary>The node's own SVID as TLS client certificate (every request after the first).</summary>
    NodeCertificate,

    /// <summary>A Kubernetes projected service-account token of the node agent, audience <c>mesh-ca</c>.</summary>
    KubernetesToken,

    /// <summary>A one-time join token made by <c>mesh ca token</c> (VMs).</summary>
    JoinToken,

    /// <summary>An operator on the CA host, <c>mesh ca issue</c>.</summary>
    Manual,
}

/// <summary>An authenticated caller: the node it speaks for and, for the audit log, what it presented.</summary>
/// <param name="Principal">What authenticated: the client certificate's SPIFFE ID, the token's subject, or the join token's id.</param>
/// <param name="BootstrapCredential">Set for tokens: the one-use credential id that is bound to the first key it is used with.</param>
public sealed record CallerIdentity(AuthMethod Method, string Node, string Principal, string? BootstrapCredential = null, DateTimeOffset? CredentialExpires = null)
{
    public string MethodName => Method switch
    {
        AuthMethod.NodeCertificate => "node-certificate",
        AuthMethod.KubernetesToken => "kubernetes-token",
        AuthMethod.JoinToken => "join-token",
        AuthMethod.Manual => "manual",
        _ => Method.ToString(),
    };
}
