using System.Globalization;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Where the check log lives in the store: each record under its id, and its id in time-ordered sorted sets
/// (score: checked_at in ms), bucketed by time so that no set grows with the whole log:
/// <list type="bullet">
/// <item>every check, one set per UTC day: <c>wj:checks:d:&lt;yyyyMMdd&gt;</c>;</item>
/// <item>per agency, one set per day: <c>wj:checks:agency:&lt;code&gt;:d:&lt;yyyyMMdd&gt;</c>;</item>
/// <item>per operator, one set per month: <c>wj:checks:op:&lt;uscc&gt;:m:&lt;yyyyMM&gt;</c>.</item>
/// </list>
/// Each family lists its buckets in a small sorted set scored by the bucket's start (<see cref="Family.Buckets"/>),
/// which a reader walks newest first. Shared by the writer, the query and the policy simulation.
/// </summary>
/// <remarks>
/// The store checkpoints its objects as they change: a set that every check modifies is written out whole at
/// every checkpoint. One set for all checks (the layout before) made each checkpoint cost the size of the
/// whole log, and under a sustained check load the checkpoints took the CPU the writes needed
/// (docs/architecture.md D21).
/// </remarks>
public static class CheckLogKeys
{
    /// <summary>A check's record is under this prefix and its id (what the policy simulation replays).</summary>
    public const string RecordPrefix = "wj:check:";

    /// <summary>Set once the store holds the bucketed indexes (and none of the single sets before them).</summary>
    public const string LayoutKey = "wj:checks:layout";

    public const string Layout = "2";

    /// <summary>Before the buckets: every check by time (also the prefix of the per-operator and per-agency sets of then).</summary>
    public const string LegacyAllIndex = "wj:checks";

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

        /// <summary>The start of the bucket after the one holding <paramref name="at"/>, in ms.</summary>
        public long End(DateTimeOffset at)
        {
            var start = DateTimeOffset.FromUnixTimeMilliseconds(Start(at));
            return (Monthly ? start.AddMonths(1) : start.AddDays(1)).ToUnixTimeMilliseconds();
        }
    }

    public static Family All { get; } = new("wj:checks:", Monthly: false);

    public static Family Agency(string agency) => new($"wj:checks:agency:{agency}:", Monthly: false);

    public static Family Operator(string operatorId) => new($"wj:checks:op:{operatorId}:", Monthly: true);
}
