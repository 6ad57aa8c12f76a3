namespace Mesh.Policy.Evaluation;

/// <summary>
/// serviceAccounts, notServiceAccounts and source.serviceAccount: exact <c>namespace/name</c> pairs read
/// from the peer certificate (Istio allows no wildcards here). A name written without a namespace means
/// the policy's own namespace.
/// </summary>
internal sealed class ServiceAccountCheck(string field, (string Namespace, string Name)[] accounts, bool negated)
    : FieldCheck(field, accounts.Select(a => $"{a.Namespace}/{a.Name}").ToArray(), negated, httpOnly: false)
{
    protected override bool AnyMatches(in RequestView request)
    {
        var peer = PeerIdentity.Parse(request.Request.SourcePrincipal);
        if (!peer.IsValid)
        {
            return false;
        }

        foreach (var (ns, name) in accounts)
        {
            if (peer.Namespace.SequenceEqual(ns) && peer.ServiceAccount.SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request)
    {
        var peer = PeerIdentity.Parse(request.Request.SourcePrincipal);
        return peer.IsValid ? $"'{peer.Namespace}/{peer.ServiceAccount}'" : "no source.serviceAccount (no mTLS identity)";
    }
}
