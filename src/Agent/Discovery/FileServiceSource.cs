using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Discovery;

/// <summary>
/// The registry file as a source, reloaded when it changes. The file's directory is watched, not the file name:
/// Kubernetes updates a mounted ConfigMap by swapping the <c>..data</c> symlink, which never touches the file's own
/// directory entry. Events are debounced (an editor or a swap writes several times). A bad edit is rejected whole and
/// the last good registry stays, with the errors in <see cref="LastError"/>.
/// </summary>
public sealed partial class FileServiceSource : IServiceSource
{
    private readonly string _path;
    private readonly TimeSpan _debounce;
    private readonly ILogger _logger;
    private readonly SourceState _state = new();
    private readonly ITimer _timer;
    private FileSystemWatcher? _watcher;
    private volatile IReadOnlyList<DnsServiceDefinition> _dnsServices = [];

    // Serializes reloads: the debounce timer may fire again while a slow reload runs.
    private readonly Lock _reloadGate = new();

    public FileServiceSource(string path, ILogger<FileServiceSource> logger, TimeProvider? time = null, TimeSpan? debounce = null)
    {
        _path = Path.GetFullPath(path);
        _debounce = debounce ?? TimeSpan.FromMilliseconds(100);
        _logger = logger;
        _timer = (time ?? TimeProvider.System).CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Name => $"file {_path}";

    public IReadOnlyList<RegisteredService> Services => _state.Services;

    public string? LastError => _state.LastError;

    /// <summary>The services of the last good file whose endpoints DNS supplies (feed them to <see cref="DnsServiceSource.SetServices"/>).</summary>
    public IReadOnlyList<DnsServiceDefinition> DnsServices => _dnsServices;

    public event Action<IServiceSource>? Changed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Reload();
        var directory = Path.GetDirectoryName(_path)!;
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        // Any entry of the directory: the file itself, an editor's temp file renamed over it, or the ..data symlink.
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Deleted += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.Error += (_, e) => LogWatchError(_logger, _path, e.GetException().Message);
        _watcher.EnableRaisingEvents = true;
        return Task.CompletedTask;
    }

    private void OnEvent(object sender, FileSystemEventArgs e) => _timer.Change(_debounce, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        lock (_reloadGate)
        {
            try
            {
                var document = RegistryLoader.Read(_path);
                _dnsServices = document.DnsServices;
                _state.Publish(document.Services);
                LogLoaded(_logger, _path, document.Services.Count, document.DnsServices.Count);
            }
            catch (ConfigException e)
            {
                if (!_state.Fail(e.Message))
                {
                    return;
                }
                LogRejected(_logger, _path, e.Message);
            }
        }
        Changed?.Invoke(this);
    }

    public ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        _timer.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 810, Level = LogLevel.Information, Message = "Service registry {Path} loaded: {Services} service(s) with endpoints, {DnsServices} from DNS")]
    private static partial void LogLoaded(ILogger logger, string path, int services, int dnsServices);

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "Service registry {Path} rejected, keeping the last good one: {Errors}")]
    private static partial void LogRejected(ILogger logger, string path, string errors);

    [LoggerMessage(EventId = 812, Level = LogLevel.Warning, Message = "Watching {Path} failed: {Reason}; changes may be missed until the next event")]
    private static partial void LogWatchError(ILogger logger, string path, string reason);
}
