using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Authn;

/// <summary>
/// A JWKS in a local file (<c>jwksUri: file:///path</c>), read again whenever its modification time changes, so a
/// rotated key set is picked up without a policy reload. A file that cannot be read or parsed keeps the last good keys.
/// </summary>
internal sealed partial class FileJwksSource(string path, ILogger logger) : IJwksSource
{
    // Guards the cached keys and the time they were read at; file reads are short.
    private readonly Lock _lock = new();
    private JwksKeySet _keys = JwksKeySet.Empty;
    private DateTime _readWrite = DateTime.MinValue;

    public string Name => "file://" + path;

    public ValueTask<JwksKeySet> GetAsync(CancellationToken ct) => ValueTask.FromResult(Current());

    public ValueTask<JwksKeySet> RefreshForUnknownKidAsync(CancellationToken ct) => ValueTask.FromResult(Current());

    private JwksKeySet Current()
    {
        lock (_lock)
        {
            DateTime written;
            try
            {
                written = File.GetLastWriteTimeUtc(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return _keys;
            }

            if (written == _readWrite)
            {
                return _keys;
            }

            // Remembered even when the read fails: the same broken file is not re-read (and logged) on every request.
            _readWrite = written;
            try
            {
                _keys = JwksKeySet.Parse(File.ReadAllText(path));
                LogRead(logger, path, _keys.Count);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                LogUnreadable(logger, path, _keys.Count, e.Message);
            }

            return _keys;
        }
    }

    [LoggerMessage(EventId = 760, Level = LogLevel.Information, Message = "JWKS {Path}: read {Count} verification keys")]
    private static partial void LogRead(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 761, Level = LogLevel.Warning, Message = "JWKS {Path} cannot be used, keeping the last good keys ({Count}): {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, int count, string reason);
}
