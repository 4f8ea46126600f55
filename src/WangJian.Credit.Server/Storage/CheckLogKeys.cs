using System.Globalization;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Where the check log lives in the store (layout 3). The writer stores checks in batches: each batch is one
/// string of JSON lines under <c>wj:checkb:r:&lt;batch&gt;</c>, and the batch, not each check, goes into
/// time-ordered sorted sets (score: the newest check of the batch that the set covers, in ms), bucketed by time:
/// <list type="bullet">
/// <item>every batch, one set per UTC day: <c>wj:checkb:d:&lt;yyyyMMdd&gt;</c>;</item>
/// <item>per agency, one set per day: <c>wj:checkb:agency:&lt;code&gt;:d:&lt;yyyyMMdd&gt;</c>;</item>
/// <item>per operator, one set per month: <c>wj:checkb:op:&lt;uscc&gt;:m:&lt;yyyyMM&gt;</c>.</item>
/// </list>
/// Each family lists its buckets in a small sorted set scored by the bucket's start (<see cref="Family.Buckets"/>),
/// which a reader walks newest first. A batch's checks span less than <see cref="BatchSpan"/>, so a reader knows
/// which batches can hold a check of a given time. Shared by the writer, the query and the policy simulation.
/// </summary>
/// <remarks>
/// The store checkpoints a changed sorted set whole, and under a sustained check load a set with an entry per
/// check passed half a million entries a day within a minute (docs/architecture.md D21, D23): an entry per batch
/// keeps the sets small whatever the rate, and one string per batch is one command instead of one per check.
/// </remarks>
public static class CheckLogKeys
{
    /// <summary>Set to <see cref="Layout"/> once the store holds this layout and nothing of the ones before.</summary>
    public const string LayoutKey = "wj:checks:layout";

    public const string Layout = "3";

    /// <summary>The batches are stored but keys of an earlier layout may remain (a start stopped while removing them).</summary>
    public const string LayoutMoved = "3-moved";

    /// <summary>A batch's checks span less than this (by their times); its score bounds its checks' times from above.</summary>
    public static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    private const string Prefix = "wj:checkb:";

    /// <summary>The key of a batch's record.</summary>
    public static string Record(string batch) => Prefix + "r:" + batch;

    /// <summary>
    /// The index member of a batch: its id (its oldest check's id) and how many checks it holds, so the
    /// simulation can tell its progress without reading the batches.
    /// </summary>
    public static string Member(string batch, int count) => batch + "." + count.ToString(CultureInfo.InvariantCulture);

    /// <summary>The batch id and count of an index member (count 0 when the member has none).</summary>
    public static (string Batch, int Count) ParseMember(string member)
    {
        var dot = member.LastIndexOf('.');
        return dot > 0 && int.TryParse(member.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? (member[..dot], count)
            : (member, 0);
    }

    /// <summary>A family of buckets: its buckets' keys and how time maps to them.</summary>
    public sealed record Family(string Prefix, bool Monthly)
    {
        /// <summary>The sorted set listing this family's buckets (member: bucket key, score: its start in ms).</summary>
        public string Buckets => Prefix + (Monthly ? "months" : "days");

        public string Bucket(DateTimeOffset at) => Prefix + (Monthly ? "m:" + at.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture) : "d:" + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture));

        /// <summary>The start of the bucket holding <paramref name="at"/>, in ms (the bucket's score in <see cref="Buckets"/>).</summary>
        public long Start(DateTimeOffset at)
        {
            var t = at.UtcDateTime;
            return new DateTimeOffset(Monthly ? new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc) : t.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
        }
    }

    public static Family All { get; } = new(Prefix, Monthly: false);

    public static Family Agency(string agency) => new($"{Prefix}agency:{agency}:", Monthly: false);

    public static Family Operator(string operatorId) => new($"{Prefix}op:{operatorId}:", Monthly: true);

    /// <summary>Layouts 1 and 2: a check's record under its id.</summary>
    public const string OldRecordPrefix = "wj:check:";

    /// <summary>Layout 1: every check by time, one sorted set (also the prefix of its per-operator and per-agency sets).</summary>
    public const string OldAllIndex = "wj:checks";

    /// <summary>Layout 2: the list of the day buckets of all checks (each an entry per check).</summary>
    public const string OldAllDays = "wj:checks:days";

    /// <summary>A key of layout 1 or 2, removed once its checks are in batches: every <c>wj:check:*</c> and <c>wj:checks*</c> but the layout mark.</summary>
    public static bool IsOldLayout(string key) =>
        key.StartsWith(OldRecordPrefix, StringComparison.Ordinal)
        || (key.StartsWith(OldAllIndex, StringComparison.Ordinal) && !key.StartsWith(Prefix, StringComparison.Ordinal) && key != LayoutKey
            && (key.Length == OldAllIndex.Length || key[OldAllIndex.Length] == ':'));
}
