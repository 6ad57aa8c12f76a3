namespace Mesh.Agent.Authn;

/// <summary>A JWKS written into the RequestAuthentication (<c>jwks:</c>); the loader has already checked that it parses.</summary>
internal sealed class InlineJwksSource(string json) : IJwksSource
{
    private readonly JwksKeySet _keys = Parse(json);

    public string Name => "inline jwks";

    public ValueTask<JwksKeySet> GetAsync(CancellationToken ct) => ValueTask.FromResult(_keys);

    public ValueTask<JwksKeySet> RefreshForUnknownKidAsync(CancellationToken ct) => ValueTask.FromResult(_keys);

    private static JwksKeySet Parse(string json)
    {
        try
        {
            return JwksKeySet.Parse(json);
        }
        catch (FormatException)
        {
            // The loader validates inline JWKS; should one still be unusable, its tokens fail closed.
            return JwksKeySet.Empty;
        }
    }
}
