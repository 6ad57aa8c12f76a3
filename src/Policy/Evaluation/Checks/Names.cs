namespace Mesh.Policy.Evaluation;

/// <summary>Attribute names as Istio's condition keys spell them, for explanations.</summary>
internal static class Names
{
    public static string Of(StringAttribute attribute) => attribute switch
    {
        StringAttribute.SourcePrincipal => "source.principal (no mTLS identity)",
        StringAttribute.SourceNamespace => "source.namespace (no mTLS identity)",
        StringAttribute.SourceTrustDomain => "source trust domain (no mTLS identity)",
        StringAttribute.RequestPrincipal => "request.auth.principal (no JWT)",
        StringAttribute.Presenter => "request.auth.presenter",
        StringAttribute.Method => "method",
        StringAttribute.Path => "path",
        StringAttribute.Host => "host",
        _ => "connection.sni",
    };

    public static string Of(IpAttribute attribute) => attribute switch
    {
        IpAttribute.Source => "source.ip",
        IpAttribute.Remote => "remote.ip",
        _ => "destination.ip",
    };
}
