namespace Mesh.Cli.Commands;

/// <summary>How every command reports a failure: one line "mesh: reason" on stderr and a non-zero exit code.</summary>
internal static class CliErrors
{
    public const int Failure = 1;

    public static int Fail(string reason)
    {
        var firstLine = reason.Split('\n', 2)[0].TrimEnd();
        Console.Error.WriteLine($"mesh: {firstLine}");
        var rest = reason.Contains('\n', StringComparison.Ordinal) ? reason[(reason.IndexOf('\n', StringComparison.Ordinal) + 1)..] : null;
        if (!string.IsNullOrWhiteSpace(rest))
        {
            Console.Error.WriteLine(rest.TrimEnd());
        }
        return Failure;
    }
}
