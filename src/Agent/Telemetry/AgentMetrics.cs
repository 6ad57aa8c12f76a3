using System.Diagnostics.Metrics;

namespace Mesh.Agent.Telemetry;

/// <summary>
/// The agent's counters, published through System.Diagnostics.Metrics (meter "Mesh.Agent", readable with dotnet-counters)
/// and kept as plain totals for the admin endpoint's /stats and /metrics.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "Mesh.Agent";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _outboundHandshakes;
    private readonly Counter<long> _outboundHandshakeFailures;
    private readonly Counter<long> _inboundHandshakes;
    private readonly Counter<long> _decisions;
    private long _outboundHandshakeTotal;
    private long _outboundHandshakeFailureTotal;
    private long _inboundHandshakeTotal;
    private long _outboundConnections;
    private long _inboundStreams;
    private long _allowTotal;
    private long _denyTotal;
    private long _capturedToMesh;
    private long _capturedPassthrough;
    private long _capturedRefused;
    private long _plaintextServed;
    private long _plaintextRefused;
    private long _retries;
    private long _breakerTripped;

    public AgentMetrics()
    {
        _outboundHandshakes = _meter.CreateCounter<long>("mesh.outbound.tls_handshakes", description: "Agent-to-agent mTLS handshakes this agent completed as a client");
        _outboundHandshakeFailures = _meter.CreateCounter<long>("mesh.outbound.tls_handshake_failures", description: "Agent-to-agent mTLS handshakes that failed, including peers with an unexpected identity");
        _inboundHandshakes = _meter.CreateCounter<long>("mesh.inbound.tls_handshakes", description: "mTLS handshakes accepted from peers with a verified SVID");
        _decisions = _meter.CreateCounter<long>("mesh.authz.decisions", description: "Authorization decisions, tagged by decision");
        _meter.CreateObservableCounter("mesh.outbound.connections", () => Volatile.Read(ref _outboundConnections), description: "App connections and requests accepted by outbound listeners");
        _meter.CreateObservableCounter("mesh.inbound.streams", () => Volatile.Read(ref _inboundStreams), description: "Streams peers opened to this agent");
        _meter.CreateObservableCounter("mesh.outbound.retries", () => Volatile.Read(ref _retries), description: "Tries made again after a failure (connect failure, reset, retriable status)");
        _meter.CreateObservableCounter("mesh.outbound.circuit_breaker_refusals", () => Volatile.Read(ref _breakerTripped), description: "Requests and connections refused by a circuit-breaker threshold");
        _meter.CreateObservableCounter("mesh.intercept.outbound", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref _capturedToMesh), new KeyValuePair<string, object?>("to", "mesh")),
            new Measurement<long>(Volatile.Read(ref _capturedPassthrough), new KeyValuePair<string, object?>("to", "passthrough")),
            new Measurement<long>(Volatile.Read(ref _capturedRefused), new KeyValuePair<string, object?>("to", "refused")),
        }, description: "Connections captured leaving pods: into the mesh, passed through to destinations outside it, or refused");
        _meter.CreateObservableCounter("mesh.intercept.plaintext_inbound", () => new[]
        {
            new Measurement<long>(Volatile.Read(ref _plaintextServed), new KeyValuePair<string, object?>("result", "served")),
            new Measurement<long>(Volatile.Read(ref _plaintextRefused), new KeyValuePair<string, object?>("result", "refused_strict")),
        }, description: "Plaintext connections captured arriving at pods: served under PERMISSIVE, refused under STRICT");
    }

    public long OutboundTlsHandshakes => Volatile.Read(ref _outboundHandshakeTotal);
    public long OutboundTlsHandshakeFailures => Volatile.Read(ref _outboundHandshakeFailureTotal);
    public long InboundTlsHandshakes => Volatile.Read(ref _inboundHandshakeTotal);
    public long OutboundConnections => Volatile.Read(ref _outboundConnections);
    public long InboundStreams => Volatile.Read(ref _inboundStreams);
    public long Allowed => Volatile.Read(ref _allowTotal);
    public long Denied => Volatile.Read(ref _denyTotal);
    public long CapturedToMesh => Volatile.Read(ref _capturedToMesh);
    public long CapturedPassthrough => Volatile.Read(ref _capturedPassthrough);
    public long CapturedRefused => Volatile.Read(ref _capturedRefused);
    public long PlaintextServed => Volatile.Read(ref _plaintextServed);
    public long PlaintextRefused => Volatile.Read(ref _plaintextRefused);

    public void Captured(bool toMesh, bool passthrough)
    {
        if (toMesh)
        {
            Interlocked.Increment(ref _capturedToMesh);
        }
        else if (passthrough)
        {
            Interlocked.Increment(ref _capturedPassthrough);
        }
        else
        {
            Interlocked.Increment(ref _capturedRefused);
        }
    }

    /// <summary>Tries of HTTP requests (and TCP connects) made again after a failure.</summary>
    public long Retries => Volatile.Read(ref _retries);

    /// <summary>Requests and connections the circuit breaker refused.</summary>
    public long CircuitBreakerRefusals => Volatile.Read(ref _breakerTripped);

    public void Retry() => Interlocked.Increment(ref _retries);

    public void CircuitBreakerTripped() => Interlocked.Increment(ref _breakerTripped);

    public void PlaintextInbound(bool served) => Interlocked.Increment(ref served ? ref _plaintextServed : ref _plaintextRefused);

    public void OutboundHandshake()
    {
        Interlocked.Increment(ref _outboundHandshakeTotal);
        _outboundHandshakes.Add(1);
    }

    public void OutboundHandshakeFailed()
    {
        Interlocked.Increment(ref _outboundHandshakeFailureTotal);
        _outboundHandshakeFailures.Add(1);
    }

    public void InboundHandshake()
    {
        Interlocked.Increment(ref _inboundHandshakeTotal);
        _inboundHandshakes.Add(1);
    }

    public void OutboundConnection() => Interlocked.Increment(ref _outboundConnections);

    public void InboundStream() => Interlocked.Increment(ref _inboundStreams);

    public void Decision(bool allowed)
    {
        Interlocked.Increment(ref allowed ? ref _allowTotal : ref _denyTotal);
        _decisions.Add(1, new KeyValuePair<string, object?>("decision", allowed ? "allow" : "deny"));
    }

    public void Dispose() => _meter.Dispose();
}
