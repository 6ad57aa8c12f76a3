using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Policy;

/// <summary>
/// Names a loaded policy set in decision records: "sha256:&lt;hex&gt;" over the policy files in ordinal order of their
/// names, each as its UTF-8 file name, a 0 byte, its length in decimal, a 0 byte, and its exact bytes. The same
/// directory always gives the same digest (<c>mesh audit policy-digest DIR</c> recomputes it), and any change to a
/// file, including one that only moves a rule's line, gives another.
/// </summary>
public sealed class PolicySetDigest
{
    private readonly SortedDictionary<string, byte[]> files = new(StringComparer.Ordinal);

    public static string Empty { get; } = new PolicySetDigest().Compute();

    /// <param name="name">The file's name (no directory: the set is one directory).</param>
    public void Add(string name, byte[] content) => files[name] = content;

    public string Compute()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, content) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData([0]);
            hash.AppendData(Encoding.ASCII.GetBytes(content.Length.ToString(CultureInfo.InvariantCulture)));
            hash.AppendData([0]);
            hash.AppendData(content);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
