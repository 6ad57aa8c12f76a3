namespace Mesh.Bench.Processes;

/// <summary>A setup step failed (a tool, a process, a port); the message says what and where its log is.</summary>
internal sealed class BenchException : Exception
{
    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BenchException()
    {
    }
}
