using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// Runs before every Workload API method: the security header, then the caller's attestation (made when it
/// connected). Handlers read the attested caller with <see cref="Caller"/>.
/// </summary>
internal sealed class WorkloadApiGuard : Interceptor
{
    internal const string SecurityHeader = "workload.spiffe.io";
    private const string ItemKey = "mesh.workload-api.caller";

    public static void Attach(IDictionary<object, object?> connectionItems, CallerAttestation attestation) => connectionItems[ItemKey] = attestation;

    public static CallerAttestation.Attested Caller(ServerCallContext context) =>
        context.UserState.TryGetValue(ItemKey, out var value) && value is CallerAttestation.Attested attested
            ? attested
            : throw new InvalidOperationException("Workload API handler ran without the guard");

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    private static void Admit(ServerCallContext context)
    {
        // SPIFFE Workload Endpoint spec 5: requests without the header must be rejected (InvalidArgument, this wording),
        // so that a browser or SSRF-driven request cannot reach the endpoint.
        if (context.RequestHeaders.GetValue(SecurityHeader) != "true")
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "security header missing from request"));
        }
        var items = context.GetHttpContext().Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null || !items.TryGetValue(ItemKey, out var value) || value is not CallerAttestation.Attested attested)
        {
            // X.509-SVID profile: a caller entitled to no identity gets PermissionDenied.
            throw new RpcException(new Status(StatusCode.PermissionDenied, "no identity issued"));
        }
        context.UserState[ItemKey] = attested;
    }
}
