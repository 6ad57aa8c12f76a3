namespace Mesh.Agent.Config;

/// <summary>
/// Validates a registry service's traffic-policy fields (Istio DestinationRule names) into a <see cref="ServicePolicy"/>.
/// A field left out keeps the <see cref="ServicePolicy"/> default; every problem is added to the error list.
/// </summary>
internal static class ServicePolicyReader
{
    /// <summary>Envoy's ring sizes are bounded (8M); more than that is a typo.</summary>
    private const int MaxRingSize = 8 * 1024 * 1024;

    public static ServicePolicy Read(RegistryPolicySection s, string at, List<string> errors)
    {
        var v = new PolicyValues(errors);
        return new ServicePolicy
        {
            LoadBalancer = s.LoadBalancer is { } lb ? LoadBalancer(lb, $"{at}.loadBalancer", v) : LoadBalancerPolicy.Default,
            HealthCheck = s.HealthCheck is { } hc ? HealthCheck(hc, $"{at}.healthCheck", v) : null,
            OutlierDetection = s.OutlierDetection is { } od ? Outlier(od, $"{at}.outlierDetection", v) : null,
            Timeout = s.Timeout is null ? null : v.Duration(s.Timeout, $"{at}.timeout", TimeSpan.Zero),
            Retries = s.Retries is { } r ? RetryPolicyReader.Read(r, $"{at}.retries", v) : null,
            CircuitBreaker = s.ConnectionPool is { } cp ? Pool(cp, $"{at}.connectionPool", v) : CircuitBreakerPolicy.Default,
        };
    }

    private static LoadBalancerPolicy LoadBalancer(RegistryPolicySection.LoadBalancerSection s, string at, PolicyValues v)
    {
        if ((s.Simple is null) == (s.ConsistentHash is null))
        {
            v.Errors.Add($"{at}: set exactly one of simple (ROUND_ROBIN, RANDOM, LEAST_REQUEST) or consistentHash");
            return LoadBalancerPolicy.Default;
        }
        if (s.Simple is { } simple)
        {
            LoadBalancerKind? kind = simple.ToUpperInvariant() switch
            {
                "ROUND_ROBIN" => LoadBalancerKind.RoundRobin,
                "RANDOM" => LoadBalancerKind.Random,
                "LEAST_REQUEST" => LoadBalancerKind.LeastRequest,
                _ => null,
            };
            if (kind is null)
            {
                v.Errors.Add($"{at}.simple: '{simple}' is not supported; use ROUND_ROBIN, RANDOM or LEAST_REQUEST");
                return LoadBalancerPolicy.Default;
            }
            return new LoadBalancerPolicy { Kind = kind.Value };
        }
        var ch = s.ConsistentHash!;
        var hat = $"{at}.consistentHash";
        var sourceIp = v.Bool(ch.UseSourceIp, $"{hat}.useSourceIp");
        var keys = (ch.HttpHeaderName is not null ? 1 : 0) + (ch.HasHttpCookie ? 1 : 0) + (ch.UseSourceIp is not null ? 1 : 0);
        if (keys != 1)
        {
            v.Errors.Add($"{hat}: set exactly one hash key: httpHeaderName, httpCookie or useSourceIp");
        }
        else if (bool.TryParse(ch.UseSourceIp, out var explicitFalse) && !explicitFalse)
        {
            v.Errors.Add($"{hat}.useSourceIp: false hashes nothing; set true, or choose httpHeaderName or httpCookie");
        }
        if (ch.HasHttpCookie && string.IsNullOrWhiteSpace(ch.HttpCookieName))
        {
            v.Errors.Add($"{hat}.httpCookie.name: required (the cookie whose value is hashed)");
        }
        if (ch.HttpHeaderName is { } header && string.IsNullOrWhiteSpace(header))
        {
            v.Errors.Add($"{hat}.httpHeaderName: must name a header");
        }
        return new LoadBalancerPolicy
        {
            Kind = LoadBalancerKind.RingHash,
            Hash = new HashKey { Header = ch.HttpHeaderName, Cookie = ch.HttpCookieName, SourceIp = sourceIp },
            MinimumRingSize = v.Int(ch.MinimumRingSize, $"{hat}.minimumRingSize", 1, MaxRingSize, LoadBalancerPolicy.Default.MinimumRingSize),
        };
    }

    private static HealthCheckPolicy HealthCheck(RegistryPolicySection.HealthCheckSection s, string at, PolicyValues v)
    {
        var defaults = new HealthCheckPolicy();
        var kinds = (s.HasHttp ? 1 : 0) + (s.HasTcp ? 1 : 0) + (s.HasGrpc ? 1 : 0);
        if (kinds != 1)
        {
            v.Errors.Add($"{at}: set exactly one of http, tcp or grpc");
        }
        var path = s.HttpPath ?? defaults.Path;
        if (s.HasHttp && !path.StartsWith('/'))
        {
            v.Errors.Add($"{at}.http.path: '{path}' must start with /");
        }
        var statuses = new List<int>();
        for (var i = 0; i < s.HttpExpectedStatuses.Count; i++)
        {
            statuses.Add(v.Int(s.HttpExpectedStatuses[i], $"{at}.http.expectedStatuses[{i}]", 100, 599, 200));
        }
        var policy = new HealthCheckPolicy
        {
            Kind = s.HasHttp ? HealthCheckKind.Http : s.HasGrpc ? HealthCheckKind.Grpc : HealthCheckKind.Tcp,
            Path = path,
            ExpectedStatuses = statuses,
            GrpcService = s.GrpcService ?? "",
            Interval = v.Duration(s.Interval, $"{at}.interval", defaults.Interval),
            Timeout = v.Duration(s.Timeout, $"{at}.timeout", defaults.Timeout),
            Jitter = v.Duration(s.Jitter, $"{at}.jitter", defaults.Jitter, allowZero: true),
            HealthyThreshold = v.Int(s.HealthyThreshold, $"{at}.healthyThreshold", 1, 1000, defaults.HealthyThreshold),
            UnhealthyThreshold = v.Int(s.UnhealthyThreshold, $"{at}.unhealthyThreshold", 1, 1000, defaults.UnhealthyThreshold),
        };
        if ((s.Timeout is not null || s.Interval is not null) && policy.Timeout > policy.Interval)
        {
            v.Errors.Add($"{at}.timeout: {s.Timeout ?? "1s (default)"} is longer than the interval {s.Interval ?? "5s (default)"}; a check must end before the next");
        }
        return policy;
    }

    private static OutlierDetectionPolicy Outlier(RegistryPolicySection.OutlierSection s, string at, PolicyValues v)
    {
        var d = new OutlierDetectionPolicy();
        return new OutlierDetectionPolicy
        {
            Consecutive5xx = v.Int(s.Consecutive5xxErrors, $"{at}.consecutive5xxErrors", 0, 100_000, d.Consecutive5xx),
            ConsecutiveGatewayErrors = v.Int(s.ConsecutiveGatewayErrors, $"{at}.consecutiveGatewayErrors", 0, 100_000, d.ConsecutiveGatewayErrors),
            ConsecutiveConnectFailures = v.Int(s.ConsecutiveConnectFailures, $"{at}.consecutiveConnectFailures", 0, 100_000, d.ConsecutiveConnectFailures),
            BaseEjectionTime = v.Duration(s.BaseEjectionTime, $"{at}.baseEjectionTime", d.BaseEjectionTime),
            MaxEjectionPercent = v.Int(s.MaxEjectionPercent, $"{at}.maxEjectionPercent", 0, 100, d.MaxEjectionPercent),
        };
    }

    private static CircuitBreakerPolicy Pool(RegistryPolicySection.PoolSection s, string at, PolicyValues v)
    {
        var d = CircuitBreakerPolicy.Default;
        return new CircuitBreakerPolicy
        {
            MaxConnections = v.Int(s.MaxConnections, $"{at}.maxConnections", 1, int.MaxValue, d.MaxConnections),
            MaxPendingRequests = v.Int(s.MaxPendingRequests, $"{at}.maxPendingRequests", 1, int.MaxValue, d.MaxPendingRequests),
            MaxRequestsPerEndpoint = v.Int(s.MaxRequestsPerEndpoint, $"{at}.maxRequestsPerEndpoint", 1, int.MaxValue, d.MaxRequestsPerEndpoint),
        };
    }
}
