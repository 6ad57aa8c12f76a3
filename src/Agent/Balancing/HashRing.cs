using System.IO.Hashing;
using System.Text;

namespace Mesh.Agent.Balancing;

/// <summary>
/// A consistent-hashing ring (Ketama-like, Envoy's RING_HASH) over one candidate set. Each endpoint owns points in
/// proportion to its weight; a key belongs to the first point at or after its hash, wrapping around.
/// </summary>
/// <remarks>
/// <para>Points per unit of weight: the smallest power of two that brings the ring to at least the minimum size.
/// Envoy scales to exactly the minimum instead, so adding an 11th endpoint to 10 shrinks every endpoint's point count
/// and moves keys between the 10 that stay. With a power of two the existing endpoints keep all their points unless the
/// total weight crosses a power-of-two boundary, so only the keys the new endpoint takes over move (1/11 of them).</para>
/// <para>Point hashes are XxHash64 of "address|agent|identity_i": stable across processes and machines, so every agent
/// in the mesh maps the same key to the same endpoint (string.GetHashCode is randomized per process).</para>
/// </remarks>
internal sealed class HashRing
{
    /// <summary>Envoy's default maximum_ring_size.</summary>
    public const int MaxSize = 8 * 1024 * 1024;

    private readonly ulong[] _hashes;
    private readonly Upstream[] _owners;

    public HashRing(Upstream[] members, int[] weights, int minimumSize)
    {
        var counts = PointCounts(weights, Math.Clamp(minimumSize, 1, MaxSize));
        var size = (int)counts.Sum(c => (long)c);
        _hashes = new ulong[size];
        _owners = new Upstream[size];
        var at = 0;
        for (var m = 0; m < members.Length; m++)
        {
            var e = members[m].Endpoint;
            var prefix = $"{e.Address}|{e.Agent}|{e.Identity}_";
            for (var i = 0; i < counts[m]; i++)
            {
                _hashes[at] = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                _owners[at] = members[m];
                at++;
            }
        }
        Array.Sort(_hashes, _owners);
    }

    /// <summary>Number of points on the ring.</summary>
    public int Size => _hashes.Length;

    /// <summary>The owner of the first point at or after <paramref name="hash"/> (wrapping to the first point).</summary>
    public Upstream Find(ulong hash)
    {
        var i = Array.BinarySearch(_hashes, hash);
        if (i < 0)
        {
            i = ~i;
            if (i == _hashes.Length)
            {
                i = 0;
            }
        }
        return _owners[i];
    }

    /// <summary>Points per endpoint: weight x the smallest power of two reaching the minimum, capped at <see cref="MaxSize"/>.</summary>
    internal static int[] PointCounts(int[] weights, int minimumSize)
    {
        var totalWeight = weights.Sum(w => (long)w);
        long perWeight = 1;
        while (totalWeight * perWeight < minimumSize)
        {
            perWeight <<= 1;
        }
        if (totalWeight * perWeight <= MaxSize)
        {
            return Array.ConvertAll(weights, w => (int)(w * perWeight));
        }
        // Huge weights: scale down to the maximum, every endpoint keeping at least one point.
        return Array.ConvertAll(weights, w => (int)Math.Max(1, w * (long)MaxSize / totalWeight));
    }
}
