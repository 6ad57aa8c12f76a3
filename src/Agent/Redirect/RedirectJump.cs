namespace Mesh.Agent.Redirect;

/// <summary>A rule in a built-in nat chain that sends TCP into one of our chains; <see cref="Spec"/> is its iptables match and target.</summary>
public sealed record RedirectJump(string Chain, string Spec)
{
    public string[] Args => Spec.Split(' ');
}
