namespace Mesh.Policy;

/// <summary>The path exactly as the evaluator matches it, for <c>request.normalized_path</c> in decision records.</summary>
public static class MatchedPath
{
    public static string? Of(string? raw) => Evaluation.RequestPath.Normalize(raw);
}
