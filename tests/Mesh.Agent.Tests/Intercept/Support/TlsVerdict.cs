namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>The answer of <see cref="CapturedTraffic.CheckTls"/>: whether a port's traffic was all TLS records, and why not.</summary>
/// <param name="AllTls">True only when some payload was captured and every direction was TLS records from its first byte.</param>
/// <param name="Detail">What was checked, or the first direction that failed and how; put it in the assertion message.</param>
internal sealed record TlsVerdict(bool AllTls, string Detail)
{
    /// <summary>The detail, for assertion messages.</summary>
    public override string ToString() => (AllTls ? "TLS: " : "not TLS: ") + Detail;
}
