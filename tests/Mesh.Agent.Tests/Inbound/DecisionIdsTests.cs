using System.Globalization;
using Mesh.Agent.Inbound;

namespace Mesh.Agent.Tests.Inbound;

public sealed class DecisionIdsTests
{
    [Fact]
    public void Ids_are_32_lowercase_hex_digits_and_unique_across_threads()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                ids.Add(DecisionIds.Next(now));
            }
        });

        Assert.Equal(80_000, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Fact]
    public void Ids_start_with_the_time_so_they_sort_by_time()
    {
        var earlier = DecisionIds.Next(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var later = DecisionIds.Next(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_001));

        Assert.Equal(1_700_000_000_000, long.Parse(earlier[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }
}
