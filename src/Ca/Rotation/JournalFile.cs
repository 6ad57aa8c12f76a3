using System.Text.Json;

namespace Mesh.Ca;

/// <summary>Reads and writes <c>ca-journal.json</c>; writers hold <see cref="JournalLock"/>.</summary>
internal static class JournalFile
{
    internal const string FileName = "ca-journal.json";

    internal static string PathIn(string stateDir) => Path.Combine(stateDir, FileName);

    internal static CaJournal? TryRead(string stateDir)
    {
        var path = PathIn(stateDir);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var journal = JsonSerializer.Deserialize(File.ReadAllText(path), CaJournalJsonContext.Default.CaJournal)
                ?? throw new CaKeyException($"{path} is empty");
            return journal.Version == CaJournal.CurrentVersion
                ? journal
                : throw new CaKeyException($"{path} has version {journal.Version}; this CA reads version {CaJournal.CurrentVersion}");
        }
        catch (JsonException e)
        {
            // Never "repair" by starting over: that would mint a new root. An operator decides.
            throw new CaKeyException($"{path} is not a valid CA journal: {e.Message}", e);
        }
    }

    internal static void Write(string stateDir, CaJournal journal) =>
        AtomicFile.Write(PathIn(stateDir), Serialize(journal));

    internal static string Serialize(CaJournal journal) =>
        JsonSerializer.Serialize(journal, CaJournalJsonContext.Default.CaJournal) + "\n";
}
