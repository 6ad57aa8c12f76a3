using System.Globalization;

namespace Mesh.Policy.Evaluation;

/// <summary>ports, notPorts and the destination.port condition.</summary>
internal sealed class PortCheck(string field, int[] ports, bool negated)
    : FieldCheck(field, ports.Select(p => p.ToString(CultureInfo.InvariantCulture)).ToArray(), negated, httpOnly: false)
{
    public IReadOnlyList<int> Ports => ports;

    protected override bool AnyMatches(in RequestView request) => Array.IndexOf(ports, request.Request.DestinationPort) >= 0;

    protected override string Describe(in RequestView request) => $"port {request.Request.DestinationPort.ToString(CultureInfo.InvariantCulture)}";
}
