using System.Text.RegularExpressions;

namespace Mesh.Policy.Matching;

/// <summary>One entry of a value list as written, compiled: an Istio string pattern or (paths only) a path template.</summary>
internal sealed class ValuePattern
{
    private readonly StringMatcher matcher;
    private readonly Regex? template;

    public ValuePattern(string text, StringMatcher matcher)
    {
        Text = text;
        this.matcher = matcher;
    }

    public ValuePattern(string text, Regex template)
    {
        Text = text;
        this.template = template;
    }

    public string Text { get; }

    public bool IsPresence => template is null && matcher.Kind == StringMatchKind.Presence;

    /// <summary>The value when this pattern matches exactly that string (ordinal) and nothing else; else null. For indexes.</summary>
    public string? ExactValue => template is null && matcher is { Kind: StringMatchKind.Exact, IgnoreCase: false } ? matcher.Value : null;

    /// <summary>Matches a value that is present (possibly empty); absence is the caller's business.</summary>
    public bool Matches(ReadOnlySpan<char> value) => template is null ? matcher.Matches(value) : template.IsMatch(value);

    public override string ToString() => Text;
}
