using System.Security.Cryptography;
using System.Text;

namespace Mesh.Policy;

/// <summary>
/// Redaction of claim and header values before they reach the log: a name in <c>hash</c> keeps its value only as
/// "sha256:&lt;hex&gt;" (records can still be correlated without showing the value; a low-entropy value such as an email
/// can be guessed by hashing candidates, so drop those), a name in <c>drop</c> is left out. Names compare ignoring case.
/// </summary>
public sealed class FieldRedaction
{
    private readonly HashSet<string> hash;
    private readonly HashSet<string> drop;

    public FieldRedaction(IEnumerable<string> hash, IEnumerable<string> drop)
    {
        this.hash = new HashSet<string>(hash, StringComparer.OrdinalIgnoreCase);
        this.drop = new HashSet<string>(drop, StringComparer.OrdinalIgnoreCase);
    }

    public static FieldRedaction None { get; } = new([], []);

    /// <returns>The values to log: redacted as configured; null when there were none.</returns>
    public IReadOnlyDictionary<string, string>? Apply(IReadOnlyDictionary<string, string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (drop.Contains(name))
            {
                continue;
            }

            result[name] = hash.Contains(name) ? Hash(value) : value;
        }

        return result.Count == 0 ? null : result;
    }

    public static string Hash(string value) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
