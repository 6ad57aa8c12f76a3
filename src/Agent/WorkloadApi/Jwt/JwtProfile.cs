using Mesh.Identity;

namespace Mesh.Agent.WorkloadApi;

/// <summary>What the JWT-SVID profile needs: minted-token cache, the JWT bundle, a validator.</summary>
internal sealed record JwtProfile(TrustDomain TrustDomain, JwtSvidCache Svids, JwtBundleSource Bundle, JwtSvidValidator Validator);
