using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Health;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Forwards each app HTTP request to a serving agent (YARP does the forwarding) over a stream of a pooled mTLS
/// connection. Per request, for a configured service: the circuit breaker admits it, the load balancer picks the
/// endpoint, the service's timeout bounds it, and a failed try of an idempotent request without a body is retried on
/// another endpoint (connect failure, reset, per-try timeout, retriable statuses) within the retry budget, with
/// jittered backoff. Every try's outcome goes to outlier detection.
/// </summary>
internal sealed partial class OutboundHttpProxy(IHttpForwarder forwarder, PeerConnectionPool pool, AgentMetrics metrics, TimeProvider time, ILogger<OutboundHttpProxy> logger)
{
    /// <summary>Envoy's header on a response the mesh itself refused because of load (circuit breaker).</summary>
    public const string OverloadedHeader = "x-mesh-overloaded";

    // HTTP/1.1 between agents for http ports (one request per stream at a time, cheapest to parse); HTTP/2 with prior
    // knowledge for http2 and grpc ports, which need its streams and trailers end to end.
    private static readonly ForwarderRequestConfig Http1Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromSeconds(100),
    };

    private static readonly ForwarderRequestConfig Http2Config = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromSeconds(100),
    };

    private static readonly string[] IdempotentMethods = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];

    public static ForwarderRequestConfig ConfigFor(Config.PortProtocol protocol) =>
        protocol is Config.PortProtocol.Http2 or Config.PortProtocol.Grpc ? Http2Config : Http1Config;

    public async Task HandleAsync(HttpContext context, OutboundRoute route)
    {
        metrics.OutboundConnection();
        var cluster = route.Cluster;
        if (cluster?.Breaker.TryEnterRequest() is { } tripped)
        {
            await RefuseAsync(context, route, tripped).ConfigureAwait(false);
            return;
        }
        try
        {
            await ForwardAsync(context, route, cluster).ConfigureAwait(false);
        }
        finally
        {
            cluster?.Breaker.ExitRequest();
        }
    }

    private async Task ForwardAsync(HttpContext context, OutboundRoute route, ServiceCluster? cluster)
    {
        var policy = cluster?.Policy;
        var retry = policy?.Retries;
        var canRetry = retry is not null && IsReplayable(context.Request);
        var tries = 1 + (canRetry ? retry!.Attempts : 0);
        var pick = new PickContext(cluster?.Policy.LoadBalancer.Hash is { } hash ? RequestHash.Compute(hash, context.Request, SourceAddress(context)) : null);
        // Per request only what the service's policy needs: a deadline timer with a timeout, a list of tried endpoints
        // and a watching transformer with retries.
        using var overall = policy?.Timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        overall?.CancelAfter(policy!.Timeout!.Value);
        var token = overall?.Token ?? context.RequestAborted;
        var started = time.GetTimestamp();
        var deadline = policy?.Timeout ?? TimeSpan.MaxValue;
        List<Upstream>? tried = null;
        for (var attempt = 1; ; attempt++)
        {
            var next = route.Next(pick, tried);
            if (next is null)
            {
                LogNoEndpoint(logger, route.ServiceName);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            var (key, target, upstream) = next.Value;
            if (upstream is not null && cluster!.Breaker.CheckEndpoint(upstream) is { } full)
            {
                await RefuseAsync(context, route, full).ConfigureAwait(false);
                return;
            }
            var isRetry = attempt > 1;
            var last = attempt >= tries;
            var watcher = !last && retry!.OnStatuses.Count > 0 ? new AttemptTransformer(retry.OnStatuses) : null;
            // YARP bounds a try by its activity timeout (no response headers, or no body progress, for that long): the
            // per-try timeout, and never past the service's deadline.
            var limit = Limit(retry?.PerTryTimeout is { } perTryTimeout && !last ? perTryTimeout : null, deadline - time.GetElapsedTime(started, time.GetTimestamp()));
            var config = limit is { } bound ? ConfigFor(route.Port.Protocol) with { ActivityTimeout = bound } : ConfigFor(route.Port.Protocol);
            upstream?.RequestStarted();
            ForwarderError error;
            try
            {
                // The URI names the workload: HttpClient keeps one pool of streams per workload, each opened to it.
                error = await forwarder.SendAsync(context, $"http://{target}", pool.HttpInvoker(key), config, watcher ?? OutboundRequestTransformer.Instance, token).ConfigureAwait(false);
            }
            finally
            {
                upstream?.RequestFinished();
                if (isRetry)
                {
                    cluster!.Retries!.Finish();
                }
            }
            // The deadline timer may fire a hair before the clock says the time is up: either one means it passed.
            var pastDeadline = time.GetElapsedTime(started, time.GetTimestamp()) >= deadline
                || (overall is { IsCancellationRequested: true } && !context.RequestAborted.IsCancellationRequested);
            var outcome = Classify(context, error, watcher?.HeldForRetry == true, pastDeadline);
            if (upstream is not null)
            {
                cluster!.Report(upstream, outcome.Health);
                if (!last)
                {
                    (tried ??= []).Add(upstream);
                }
            }
            if (outcome.Kind == TryKind.Done)
            {
                return;
            }
            if (pastDeadline && !context.RequestAborted.IsCancellationRequested)
            {
                LogTimedOut(logger, route.ServiceName, policy!.Timeout!.Value);
                await AnswerAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout").ConfigureAwait(false);
                return;
            }
            var retriable = outcome.Kind switch
            {
                TryKind.ConnectFailure => retry?.OnConnectFailure ?? false,
                TryKind.Reset or TryKind.PerTryTimeout => retry?.OnReset ?? false,
                TryKind.RetriableStatus => true,
                _ => false,
            };
            if (last || !retriable || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                LogForwardFailed(logger, route.ServiceName, target.ToString(), outcome.Kind.ToString(), outcome.Detail);
                if (outcome.Kind == TryKind.PerTryTimeout)
                {
                    await AnswerAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout").ConfigureAwait(false);
                }
                return;
            }
            if (!cluster!.Retries!.TryStart(cluster.ActiveRequests))
            {
                LogBudgetExhausted(logger, route.ServiceName);
                return;
            }
            metrics.Retry();
            LogRetrying(logger, route.ServiceName, target.ToString(), outcome.Kind.ToString(), attempt);
            context.Response.Clear();
            await Task.Delay(cluster.Retries.Backoff(attempt, pick.Rng), time, token).ConfigureAwait(false);
        }
    }

    private enum TryKind { Done, ConnectFailure, Reset, PerTryTimeout, RetriableStatus, Failed }

    private readonly record struct TryOutcome(TryKind Kind, Outcome Health, string Detail);

    private static TryOutcome Classify(HttpContext context, ForwarderError error, bool heldForRetry, bool pastDeadline)
    {
        if (error == ForwarderError.None)
        {
            // YARP has copied the workload's status to the response, held back or not.
            var status = context.Response.StatusCode;
            return heldForRetry
                ? new TryOutcome(TryKind.RetriableStatus, Outcome.FromStatus(status), $"status {status}")
                : new TryOutcome(TryKind.Done, Outcome.FromStatus(status), "");
        }
        var exception = context.GetForwarderErrorFeature()?.Exception;
        var detail = exception is null ? error.ToString() : $"{error}: {exception.InnerException?.Message ?? exception.Message}";
        if (error == ForwarderError.RequestTimedOut && !pastDeadline)
        {
            return new TryOutcome(TryKind.PerTryTimeout, Outcome.FromStatus(504), detail);
        }
        if (error == ForwarderError.Request && !context.Response.HasStarted && IsConnectFailure(exception))
        {
            return new TryOutcome(TryKind.ConnectFailure, Outcome.ConnectFailure, detail);
        }
        if (error is ForwarderError.Request or ForwarderError.ResponseHeaders && !context.Response.HasStarted)
        {
            return new TryOutcome(TryKind.Reset, Outcome.FromStatus(503), detail);
        }
        // The client went away, or the response had started: nothing to retry, and not the endpoint's fault unless it reset.
        var health = error is ForwarderError.ResponseBodyDestination or ForwarderError.RequestTimedOut ? Outcome.FromStatus(503) : Outcome.Success;
        return new TryOutcome(TryKind.Failed, health, detail);
    }

    /// <summary>The tunnel could not be opened, or the serving agent could not connect to the workload (it refused the stream).</summary>
    private static bool IsConnectFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is PeerConnectException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Only a request that can be sent again unchanged is retried: an idempotent method and no body.</summary>
    private static bool IsReplayable(HttpRequest request) =>
        IdempotentMethods.Contains(request.Method, StringComparer.Ordinal)
        && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;

    private static IPAddress? SourceAddress(HttpContext context) => context.Connection.RemoteIpAddress;

    /// <summary>The shorter of the per-try timeout and what is left of the deadline; null when neither bounds the try.</summary>
    private static TimeSpan? Limit(TimeSpan? perTry, TimeSpan remaining)
    {
        var bound = perTry is { } p && p < remaining ? p : remaining;
        return bound >= TimeSpan.FromSeconds(100) ? null : TimeSpan.FromTicks(Math.Max(bound.Ticks, TimeSpan.FromMilliseconds(1).Ticks));
    }

    private async Task RefuseAsync(HttpContext context, OutboundRoute route, string reason)
    {
        metrics.CircuitBreakerTripped();
        LogTripped(logger, route.ServiceName, reason);
        context.Response.Headers[OverloadedHeader] = "true";
        await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, reason).ConfigureAwait(false);
    }

    private static async Task AnswerAsync(HttpContext context, int status, string body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        var overloaded = context.Response.Headers[OverloadedHeader];
        context.Response.Clear();
        context.Response.Headers[OverloadedHeader] = overloaded;
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(body + "\n").ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; 503")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}) failed: {Error}: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string service, string target, string error, string reason);

    [LoggerMessage(EventId = 222, Level = LogLevel.Information, Message = "Outbound to {Service} ({Target}): {Failure} on try {Attempt}; retrying on another endpoint")]
    private static partial void LogRetrying(ILogger logger, string service, string target, string failure, int attempt);

    [LoggerMessage(EventId = 223, Level = LogLevel.Warning, Message = "Outbound to {Service}: {Reason}; 503")]
    private static partial void LogTripped(ILogger logger, string service, string reason);

    [LoggerMessage(EventId = 224, Level = LogLevel.Warning, Message = "Outbound to {Service}: retry budget exhausted; the failure goes to the app")]
    private static partial void LogBudgetExhausted(ILogger logger, string service);

    [LoggerMessage(EventId = 225, Level = LogLevel.Warning, Message = "Outbound to {Service}: no response within the service timeout {Timeout}; 504")]
    private static partial void LogTimedOut(ILogger logger, string service, TimeSpan timeout);
}
