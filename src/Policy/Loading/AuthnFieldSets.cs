namespace Mesh.Policy.Loading;

/// <summary>The fields of PeerAuthentication and RequestAuthentication (istio/api security/v1beta1).</summary>
internal static class AuthnFieldSets
{
    public static readonly FieldSet PeerSpec = new("spec", ["selector", "mtls", "portLevelMtls"], []);

    public static readonly FieldSet Mtls = new("mtls", ["mode"], []);

    public static readonly FieldSet PortMtls = new("a portLevelMtls entry", ["mode"], []);

    public static readonly FieldSet RequestSpec = new("spec", ["selector", "jwtRules"], ["targetRef", "targetRefs"]);

    public static readonly FieldSet JwtRule = new(
        "a jwtRules entry",
        ["issuer", "audiences", "jwksUri", "jwks", "fromHeaders", "fromParams", "fromCookies", "outputPayloadToHeader",
         "outputClaimToHeaders", "forwardOriginalToken", "timeout", "spaceDelimitedClaims"],
        []);

    public static readonly FieldSet FromHeader = new("a fromHeaders entry", ["name", "prefix"], []);

    public static readonly FieldSet ClaimToHeader = new("an outputClaimToHeaders entry", ["header", "claim"], []);
}
