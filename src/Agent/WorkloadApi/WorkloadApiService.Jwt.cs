using Grpc.Core;
using Mesh.Agent.WorkloadApi.Protocol;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.WorkloadApi;

// JWT-SVID profile: tokens are minted by the CA (through the node's CA client) and cached; validation uses the JWT
// bundle the agent keeps.
internal sealed partial class WorkloadApiService
{
    public override async Task<JWTSVIDResponse> FetchJWTSVID(JWTSVIDRequest request, ServerCallContext context)
    {
        var caller = WorkloadApiGuard.Caller(context);
        var profile = RequireJwt();
        if (request.Audience.Count == 0 || request.Audience.Any(string.IsNullOrWhiteSpace))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "audience must be specified"));
        }
        IReadOnlyList<SpiffeId> ids = caller.Identities;
        if (request.SpiffeId.Length > 0)
        {
            ids = caller.Identities.Where(id => id.ToString() == request.SpiffeId).ToList();
            if (ids.Count == 0)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"no identity issued for {request.SpiffeId}"));
            }
        }
        var response = new JWTSVIDResponse();
        foreach (var id in ids)
        {
            string token;
            try
            {
                token = await profile.Svids.GetAsync(id, request.Audience, context.CancellationToken).ConfigureAwait(false);
            }
            catch (CaClientException e)
            {
                LogMintFailed(logger, id.ToString(), e.Message);
                throw new RpcException(new Status(StatusCode.Unavailable, $"could not obtain a JWT-SVID for {id}: {e.Reason ?? e.Message}"));
            }
            response.Svids.Add(new JWTSVID { SpiffeId = id.ToString(), Svid = token });
        }
        return response;
    }

    public override async Task FetchJWTBundles(JWTBundlesRequest request, IServerStreamWriter<JWTBundlesResponse> responseStream, ServerCallContext context)
    {
        var profile = RequireJwt();
        var ct = context.CancellationToken;
        var changed = new SemaphoreSlim(0, 1);
        void OnChanged()
        {
            try
            {
                changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
        profile.Bundle.Changed += OnChanged;
        try
        {
            string? sent = null;
            while (!ct.IsCancellationRequested)
            {
                if (profile.Bundle.Current is { } current && current.Json != sent)
                {
                    var response = new JWTBundlesResponse();
                    response.Bundles.Add(profile.TrustDomain.Id.ToString(), Google.Protobuf.ByteString.CopyFromUtf8(current.Json));
                    await responseStream.WriteAsync(response, ct).ConfigureAwait(false);
                    sent = current.Json;
                }
                try
                {
                    await changed.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            profile.Bundle.Changed -= OnChanged;
            changed.Dispose();
        }
    }

    public override async Task<ValidateJWTSVIDResponse> ValidateJWTSVID(ValidateJWTSVIDRequest request, ServerCallContext context)
    {
        var profile = RequireJwt();
        if (request.Audience.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "audience must be specified"));
        }
        if (request.Svid.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "svid must be specified"));
        }
        var result = await ValidateOnceOrTwiceAsync(profile, request, context.CancellationToken).ConfigureAwait(false);
        return result switch
        {
            JwtSvidValidator.Result.Valid valid => new ValidateJWTSVIDResponse
            {
                SpiffeId = valid.Id.ToString(),
                Claims = ClaimsStruct.FromPayload(valid.Token.EncodedPayload),
            },
            JwtSvidValidator.Result.UnknownKey unknown => throw new RpcException(new Status(StatusCode.InvalidArgument, $"key id '{unknown.KeyId}' is not in the JWT bundle")),
            JwtSvidValidator.Result.Invalid invalid => throw new RpcException(new Status(StatusCode.InvalidArgument, invalid.Reason)),
            _ => throw new InvalidOperationException("unreachable: Result is closed"),
        };
    }

    private static async Task<JwtSvidValidator.Result> ValidateOnceOrTwiceAsync(JwtProfile profile, ValidateJWTSVIDRequest request, CancellationToken ct)
    {
        var bundle = profile.Bundle.Current ?? await RefreshAsync(profile, TimeSpan.Zero, ct).ConfigureAwait(false);
        var result = await profile.Validator.ValidateAsync(request.Svid, request.Audience, bundle.Keys).ConfigureAwait(false);
        if (result is not JwtSvidValidator.Result.UnknownKey)
        {
            return result;
        }
        // A key id we do not know may be a key the CA added since our last refresh.
        bundle = await RefreshAsync(profile, JwtBundleSource.OnDemandEvery, ct).ConfigureAwait(false);
        return await profile.Validator.ValidateAsync(request.Svid, request.Audience, bundle.Keys).ConfigureAwait(false);
    }

    private static async Task<JwtBundleSource.Snapshot> RefreshAsync(JwtProfile profile, TimeSpan minInterval, CancellationToken ct)
    {
        try
        {
            return await profile.Bundle.RefreshAsync(minInterval, ct).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.Unavailable, "no JWT bundle yet"));
        }
        catch (CaClientException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the JWT bundle could not be fetched: {e.Reason ?? e.Message}"));
        }
    }

    private JwtProfile RequireJwt() =>
        jwt ?? throw new RpcException(new Status(StatusCode.Unavailable, "this agent has no CA client, so it serves no JWT-SVIDs"));

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Workload API: no JWT-SVID for {Identity}: {Reason}")]
    private static partial void LogMintFailed(ILogger logger, string identity, string reason);
}
