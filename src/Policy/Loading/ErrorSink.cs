using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Collects errors for one file; every reader keeps going after an error so that all are reported at once.</summary>
internal sealed class ErrorSink(string file, List<PolicyError> errors)
{
    public string File => file;

    public int Count => errors.Count;

    /// <summary>Puts the errors reported since <paramref name="start"/> in file order (readers visit fields in their own order).</summary>
    public void SortFrom(int start)
    {
        var sorted = errors.Skip(start).OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        errors.RemoveRange(start, sorted.Count);
        errors.AddRange(sorted);
    }

    public void At(YamlNode node, string message) => At(node.Start, message);

    public void At(Mark mark, string message) => errors.Add(new PolicyError(file, (int)mark.Line, (int)mark.Column, message));

    public void AtLocation(SourceLocation location, string message) =>
        errors.Add(new PolicyError(location.File, location.Line, location.Column, message));

    public void WholeFile(string message) => errors.Add(new PolicyError(file, 0, 0, message));

    public SourceLocation Locate(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);
}
