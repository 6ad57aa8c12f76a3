namespace Mesh.Ca;

/// <summary>The CA config file is invalid. The message lists every problem as "file:line:col: message".</summary>
public sealed class CaConfigException : Exception
{
    public CaConfigException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors)) => Errors = errors;

    public CaConfigException(string message)
        : this([message])
    {
    }

    public CaConfigException(string message, Exception innerException)
        : base(message, innerException) => Errors = [message];

    public CaConfigException()
        : this("invalid CA configuration")
    {
    }

    public IReadOnlyList<string> Errors { get; }
}
