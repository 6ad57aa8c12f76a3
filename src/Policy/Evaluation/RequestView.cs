using System.Net;

namespace Mesh.Policy.Evaluation;

/// <summary>String-valued request attributes the checks read.</summary>
internal enum StringAttribute
{
    SourcePrincipal,
    SourceNamespace,
    SourceTrustDomain,
    RequestPrincipal,
    Presenter,
    Method,
    Path,
    Host,
    Sni,
}

internal enum IpAttribute
{
    Source,
    Remote,
    Destination,
}

/// <summary>One request as the checks see it: the path normalized once, everything else read in place without allocating.</summary>
internal readonly struct RequestView(AuthzRequest request)
{
    public AuthzRequest Request { get; } = request;

    /// <summary>Normalized (see <see cref="RequestPath"/>); null on TCP, where no rule that reads it survives projection.</summary>
    public string? Path { get; } = request.Protocol == AuthzProtocol.Http ? RequestPath.Normalize(request.Path) : null;

    public bool TryGet(StringAttribute attribute, out ReadOnlySpan<char> value)
    {
        value = attribute switch
        {
            StringAttribute.SourcePrincipal => Request.SourcePrincipal,
            StringAttribute.SourceNamespace => PeerIdentity.Parse(Request.SourcePrincipal).Namespace,
            StringAttribute.SourceTrustDomain => PeerIdentity.Parse(Request.SourcePrincipal).TrustDomain,
            StringAttribute.RequestPrincipal => Request.RequestPrincipal,
            StringAttribute.Presenter => Request.Presenter,
            StringAttribute.Method => Request.Method,
            StringAttribute.Path => Path,
            StringAttribute.Host => Request.Host,
            StringAttribute.Sni => Request.Sni,
            _ => default,
        };

        // Derived parts are empty when the principal has no such part; a direct attribute is null when absent.
        return attribute switch
        {
            StringAttribute.SourceNamespace or StringAttribute.SourceTrustDomain => !value.IsEmpty,
            StringAttribute.SourcePrincipal => Request.SourcePrincipal is not null,
            StringAttribute.RequestPrincipal => Request.RequestPrincipal is not null,
            StringAttribute.Presenter => Request.Presenter is not null,
            StringAttribute.Method => Request.Method is not null,
            StringAttribute.Path => Path is not null,
            StringAttribute.Host => Request.Host is not null,
            StringAttribute.Sni => Request.Sni is not null,
            _ => false,
        };
    }

    /// <summary>remote.ip falls back to the connection's source address, as Envoy's does without XFF or PROXY protocol.</summary>
    public IPAddress? Get(IpAttribute attribute) => attribute switch
    {
        IpAttribute.Source => Request.SourceIp,
        IpAttribute.Remote => Request.RemoteIp ?? Request.SourceIp,
        _ => Request.DestinationIp,
    };

    /// <summary>Header names are case-insensitive whatever comparer the caller's dictionary uses.</summary>
    public string? Header(string name)
    {
        var headers = Request.Headers;
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetValue(name, out var value))
        {
            return value;
        }

        if (headers is Dictionary<string, string> { Comparer: var comparer } && ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase))
        {
            // Already case-insensitive: the header is absent, and the scan below would only allocate an enumerator.
            return null;
        }

        foreach (var (key, v) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }
}
