using Grpc.Core;

namespace Mesh.Identity;

/// <summary>The CA refused or could not be reached, or what it returned failed our checks.</summary>
public sealed class CaClientException : Exception
{
    public CaClientException(string message)
        : base(message)
    {
    }

    public CaClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaClientException(StatusCode status, string reason, Exception? innerException = null)
        : base($"CA refused the request ({status}): {reason}", innerException)
    {
        Status = status;
        Reason = reason;
    }

    /// <summary>The gRPC status the CA answered with; null when the failure was local.</summary>
    public StatusCode? Status { get; }

    /// <summary>The CA's own reason text, when it gave one.</summary>
    public string? Reason { get; }
}
