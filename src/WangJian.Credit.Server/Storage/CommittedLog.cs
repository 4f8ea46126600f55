using System.Globalization;
using System.Text.Json;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// How far the embedded store's append-only log was committed, as this server saw it: a small fsynced
/// side file (<c>garnet/committed-log.json</c>) holding the last marks (log address, time), written about
/// once a second while the log grows and at a clean stop. Garnet replays whatever prefix of the log it can
/// read and is silent about a cut or torn end; a start compares that end with the last mark. A mark only
/// ever names an address Garnet reported committed, so a log that survived (kill -9 included: the
/// committed bytes are in the file) always reaches it.
/// </summary>
public sealed class CommittedLog
{
    public const string FileName = "committed-log.json";

    /// <summary>Segment size of logs created before the marks existed (Garnet's default).</summary>
    public const long LegacySegmentBytes = 1L << 30;

    private const int MarksKept = 64;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly string path;
    private readonly string aofDir;
    private State state;

    private CommittedLog(string path, string aofDir, State state)
    {
        this.path = path;
        this.aofDir = aofDir;
        this.state = state;
    }

    /// <summary>Bytes per log file (<c>aof.log.N</c> holds addresses N×size up to (N+1)×size).</summary>
    public long SegmentBytes => state.SegmentBytes;

    public Mark? Last => state.Marks.Count > 0 ? state.Marks[^1] : null;

    internal Mark? Oldest => state.Marks.Count > 0 ? state.Marks[0] : null;

    /// <summary>
    /// The marks of <paramref name="storeDir"/>. A log written by a version before the marks (no marks and
    /// no store password yet) keeps Garnet's default segment size, which it was written with; any other
    /// uses <paramref name="segmentBytes"/>.
    /// </summary>
    public static CommittedLog Open(string storeDir, string aofDir, long segmentBytes, bool hasPassword)
    {
        var path = Path.Combine(storeDir, FileName);
        if (File.Exists(path))
        {
            try
            {
                var state = JsonSerializer.Deserialize<State>(File.ReadAllText(path), Json);
                if (state is { SegmentBytes: > 0, Marks: not null })
                {
                    return new CommittedLog(path, aofDir, state);
                }
            }
            catch (JsonException)
            {
            }

            throw new InvalidOperationException($"{path} is unreadable: the store cannot check that its log is complete (delete the file to start without that check)");
        }

        var legacy = !hasPassword && Directory.Exists(aofDir) && Directory.EnumerateFiles(aofDir, "aof.log.*").Any();
        return new CommittedLog(path, aofDir, new State(legacy ? LegacySegmentBytes : segmentBytes, []));
    }

    /// <summary>Before the store opens its files: does the last log file reach the last mark?</summary>
    public LogShortfall? CheckFiles()
    {
        if (Last is not { } last)
        {
            return null;
        }

        // Garnet creates the next segment files ahead, empty: the log ends in the last file with bytes.
        var files = Directory.Exists(aofDir)
            ? Directory.EnumerateFiles(aofDir, "aof.log.*")
                .Select(f => (Path: f, Ok: long.TryParse(Path.GetExtension(f).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var n), Segment: n))
                .Where(f => f.Ok && new FileInfo(f.Path).Length > 0)
                .ToList()
            : [];
        if (files.Count == 0)
        {
            return new LogShortfall(0, $"there is no log file in {aofDir}", this, last);
        }

        var end = files.MaxBy(f => f.Segment);
        var reached = end.Segment * SegmentBytes + new FileInfo(end.Path).Length;
        return reached >= last.Address ? null : new LogShortfall(reached, $"the log ends at offset {reached - end.Segment * SegmentBytes} of {end.Path}", this, last);
    }

    /// <summary>After recovery: does the end Garnet could read reach the last mark?</summary>
    public LogShortfall? CheckRecovered(long recoveredTail) =>
        Last is { } last && recoveredTail < last.Address
            ? new LogShortfall(recoveredTail, $"the log is readable only up to offset {OffsetIn(recoveredTail)} of {SegmentFile(recoveredTail)}, what follows is torn or corrupt", this, last)
            : null;

    /// <summary>Adds a mark (if the log grew) and writes the file durably: temp file, fsync, rename.</summary>
    public void Record(long committedAddress, DateTimeOffset at)
    {
        if (Last is { } last && last.Address == committedAddress)
        {
            return;
        }

        // A log shorter than the marks (started with Storage:AcceptDataLoss) drops the marks it no longer reaches.
        var marks = state.Marks.Where(m => m.Address < committedAddress).TakeLast(MarksKept - 1).Append(new Mark(committedAddress, at)).ToList();
        var next = state with { Marks = marks };
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(f, next, Json);
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        state = next;
    }

    /// <summary>The latest mark at or below <paramref name="address"/>: writes up to its time are still in the log.</summary>
    internal Mark? LastReachedBy(long address) => state.Marks.LastOrDefault(m => m.Address <= address);

    internal string SegmentFile(long address) => Path.Combine(aofDir, $"aof.log.{(address - 1) / SegmentBytes}");

    internal long OffsetIn(long address) => address - (address - 1) / SegmentBytes * SegmentBytes;

    internal string FilePath => path;

    public sealed record Mark(long Address, DateTimeOffset At);

    private sealed record State(long SegmentBytes, List<Mark> Marks);
}

/// <summary>The store's log ends before the last commit this server recorded: what is missing, in words.</summary>
public sealed record LogShortfall(long ReachedAddress, string Where, CommittedLog Log, CommittedLog.Mark Last)
{
    public long MissingBytes => Last.Address - ReachedAddress;

    public string Describe()
    {
        var lastKept = Log.LastReachedBy(ReachedAddress);
        var lost = lastKept is null
            ? $"the writes acknowledged up to {Last.At:O} are lost, and possibly some before {Log.Oldest!.At:O} (the oldest mark kept)"
            : $"the writes acknowledged after {lastKept.At:O} and up to {Last.At:O} are lost";
        return $"{Where}, but this server had committed it up to offset {Log.OffsetIn(Last.Address)} of {Log.SegmentFile(Last.Address)} " +
               $"(address {Last.Address}, {Log.FilePath}): {MissingBytes} bytes of committed log are missing; {lost}";
    }
}
