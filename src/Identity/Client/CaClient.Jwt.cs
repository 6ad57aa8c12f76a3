using Grpc.Core;
using Mesh.Identity.CaApi;

namespace Mesh.Identity;

// JWT-SVIDs: minted by the CA with the same authentication (the node certificate) as X.509-SVIDs.
public sealed partial class CaClient
{
    /// <summary>Asks the CA to sign a JWT-SVID for <paramref name="id"/> and <paramref name="audience"/>.</summary>
    /// <param name="ttl">Null leaves the lifetime to the CA (5 minutes); the CA caps it.</param>
    /// <exception cref="CaClientException">The CA refused (with its reason) or was unreachable.</exception>
    public async Task<string> MintJwtSvidAsync(SpiffeId id, IReadOnlyCollection<string> audience, TimeSpan? ttl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(audience);
        var request = new MintJwtSvidRequest { Identity = id.ToString(), TtlSeconds = (long)(ttl?.TotalSeconds ?? 0) };
        request.Audience.AddRange(audience);
        var response = await CallAsync(headers => _client.MintJwtSvidAsync(request, headers, DateTime.UtcNow + _options.CallTimeout, ct), ct).ConfigureAwait(false);
        return response.Token;
    }

    /// <summary>The JWKS that this trust domain's JWT-SVIDs verify against.</summary>
    public async Task<string> GetJwtBundleAsync(CancellationToken ct)
    {
        var response = await CallAsync(headers => _client.GetJwtBundleAsync(new GetJwtBundleRequest(), headers, DateTime.UtcNow + _options.CallTimeout, ct), ct).ConfigureAwait(false);
        return response.Jwks;
    }

    private async Task<T> CallAsync<T>(Func<Metadata, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        var headers = new Metadata();
        if (_options.BearerToken is { } token)
        {
            headers.Add("authorization", "Bearer " + token);
        }
        _lastServerRejection = null;
        try
        {
            return await call(headers).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            var rejection = _lastServerRejection;
            var reason = ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal && rejection is not null
                ? $"CA server certificate rejected: {rejection}"
                : ex.Status.Detail;
            throw new CaClientException(ex.StatusCode, reason, ex);
        }
    }
}
