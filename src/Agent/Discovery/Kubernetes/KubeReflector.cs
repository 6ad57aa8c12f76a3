using System.Text.Json;

namespace Mesh.Agent.Discovery.Kubernetes;

/// <summary>
/// Keeps a local copy of one collection (client-go's reflector): list, then watch from the list's resourceVersion,
/// applying ADDED/MODIFIED/DELETED; when the watch ends (the server closes it routinely, or the connection drops) it
/// watches again from the last version seen, and on 410 Gone or any error it lists again after
/// <paramref name="retryDelay"/>. <paramref name="changed"/> is called after each change (from the reflector's task);
/// <paramref name="failed"/> with the reason of each failure.
/// </summary>
internal sealed class KubeReflector<T>(KubeApiClient api, string path, Func<JsonElement, T> parse, Func<T, (string, string)> key,
    Action changed, Action<string> failed, TimeSpan retryDelay, TimeProvider time)
{
    // Guards _items; held only to read or swap entries.
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, string), T> _items = [];

    /// <summary>Lists completed (a good first list has been applied).</summary>
    public int Lists { get; private set; }

    public bool Synced => Lists > 0;

    public IReadOnlyDictionary<(string, string), T> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<(string, string), T>(_items);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await api.ListAsync(path, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _items.Clear();
                    foreach (var item in list.Items.Select(parse))
                    {
                        _items[key(item)] = item;
                    }
                }
                Lists++;
                changed();
                var version = list.ResourceVersion;
                while (!cancellationToken.IsCancellationRequested)
                {
                    await foreach (var e in api.WatchAsync(path, version, cancellationToken).ConfigureAwait(false))
                    {
                        if (e.Object.ValueKind == JsonValueKind.Object && e.Object.Str("metadata", "resourceVersion") is { } v)
                        {
                            version = v;
                        }
                        if (Apply(e))
                        {
                            changed();
                        }
                    }
                    // The server ended the watch normally: resume from the last version seen.
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or WatchExpiredException or UnauthorizedAccessException)
            {
                failed($"{path}: {e.Message}");
                try
                {
                    await Task.Delay(retryDelay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private bool Apply(WatchEvent e)
    {
        if (e.Type is not ("ADDED" or "MODIFIED" or "DELETED"))
        {
            return false; // BOOKMARK: only the version moves
        }
        var item = parse(e.Object);
        lock (_gate)
        {
            if (e.Type == "DELETED")
            {
                _items.Remove(key(item));
            }
            else
            {
                _items[key(item)] = item;
            }
        }
        return true;
    }
}
