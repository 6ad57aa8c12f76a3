using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>The <see cref="IServiceSource.Changed"/> event as an async stream, for consumers written as loops.</summary>
public static class ServiceSourceChanges
{
    /// <summary>
    /// The current set first, then the set after each change. A slow reader skips intermediate sets and gets the newest
    /// (a registry is a state, not a log of deltas).
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<RegisteredService>> ChangesAsync(this IServiceSource source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<IReadOnlyList<RegisteredService>>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnChanged(IServiceSource s) => channel.Writer.TryWrite(s.Services);
        source.Changed += OnChanged;
        try
        {
            channel.Writer.TryWrite(source.Services);
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var services))
                {
                    yield return services;
                }
            }
        }
        finally
        {
            source.Changed -= OnChanged;
        }
    }
}
