using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>The request attributes rules look at, normalized once per evaluation.</summary>
internal readonly record struct RequestAttributes(string? Principal, int Port, string? Method, string? Path);

/// <summary>One entry of a rule's <c>from</c> or <c>to</c> list.</summary>
internal interface IRequestMatcher
{
    bool Matches(in RequestAttributes request);
}

internal sealed class CompiledSource(ValueConstraint principal) : IRequestMatcher
{
    public bool Matches(in RequestAttributes request) => principal.Matches(request.Principal);
}

internal sealed class CompiledOperation(PortConstraint port, ValueConstraint method, ValueConstraint path) : IRequestMatcher
{
    public bool Matches(in RequestAttributes request) =>
        port.Matches(request.Port) && method.Matches(request.Method) && path.Matches(request.Path);
}

/// <summary>
/// One rule ready to evaluate. Istio: "a rule matches when from, to and when all match";
/// within <c>from</c> and <c>to</c> any entry may match; a missing section matches everything.
/// </summary>
internal sealed class CompiledRule(CompiledSource[]? from, CompiledOperation[]? to)
{
    public bool Matches(in RequestAttributes request) => AnyMatches(from, request) && AnyMatches(to, request);

    private static bool AnyMatches<T>(T[]? entries, in RequestAttributes request) where T : IRequestMatcher
    {
        if (entries is null)
        {
            return true;
        }

        foreach (var entry in entries)
        {
            if (entry.Matches(request))
            {
                return true;
            }
        }

        return false;
    }
}
