using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>ipBlocks, remoteIpBlocks and the source.ip, remote.ip and destination.ip conditions.</summary>
internal sealed class IpCheck(string field, IpAttribute attribute, IpBlock[] blocks, bool negated)
    : FieldCheck(field, blocks.Select(b => b.Text).ToArray(), negated, httpOnly: false)
{
    protected override bool AnyMatches(in RequestView request)
    {
        var address = request.Get(attribute);
        foreach (var block in blocks)
        {
            if (block.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request) => Quote(request.Get(attribute)?.ToString(), $"no {Names.Of(attribute)}");
}
