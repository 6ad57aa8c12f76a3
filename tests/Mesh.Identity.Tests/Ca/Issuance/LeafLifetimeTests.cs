using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

public sealed class LeafLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset RootStart = Now.AddYears(-1);

    // name, requested seconds, root not-after offset (h), expected lifetime from Now (h)
    public static TheoryData<string, long, double, double> Cases => new()
    {
        { "zero means default", 0, 1000, 1 },
        { "negative means default", -5, 1000, 1 },
        { "requested below max", 2 * 3600, 1000, 2 },
        { "requested above max is capped", 100 * 3600, 1000, 24 },
        { "huge request does not overflow", long.MaxValue, 1000, 24 },
        { "issuer expiry caps the leaf", 0, 0.5, 0.5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Computes(string scenario, long requested, double rootHoursLeft, double expectedHours)
    {
        var (notBefore, notAfter) = LeafLifetime.Compute(Now, requested, TimeSpan.FromHours(1), TimeSpan.FromHours(24), RootStart, Now.AddHours(rootHoursLeft));

        Assert.Equal(Now.AddSeconds(-60), notBefore);
        Assert.True(Now.AddHours(expectedHours) == notAfter, scenario);
    }

    [Fact]
    public void Not_before_never_precedes_the_issuer()
    {
        var (notBefore, _) = LeafLifetime.Compute(Now, 0, TimeSpan.FromHours(1), TimeSpan.FromHours(24), Now.AddSeconds(-10), Now.AddYears(1));
        Assert.Equal(Now.AddSeconds(-10), notBefore);
    }

    [Fact]
    public void Serial_is_positive_and_redraws_a_zero_top_byte()
    {
        var draws = 0;
        var serial = SerialNumbers.NewPositive128(span =>
        {
            span.Fill(0xFF);
            span[0] = draws++ == 0 ? (byte)0x80 : (byte)0xFF;
        });

        Assert.Equal(2, draws);
        Assert.Equal(0x7F, serial[0]);
        Assert.Equal(16, serial.Length);
    }
}
