using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Policies;

/// <summary>How far a simulation is: phase "operators", then "checks".</summary>
public sealed record SimulationProgress(string Phase, long Done, long Total);

/// <summary>Operators that moved from one state (A, B, C, D or LISTED) to another.</summary>
public sealed record GradeTransitionCount(string From, string To, long Count);

/// <summary>Operators whose score changed by [MinDelta, MaxDelta); the zero bucket is [0, 0].</summary>
public sealed record ScoreChangeBucket(decimal MinDelta, decimal MaxDelta, long Count);

/// <summary>The IMPOSE and LIFT notices of one agency that publishing would cause.</summary>
public sealed record AgencyNoticeCount(string Agency, long Impose, long Lift);

/// <summary>Stored checks of one agency and matter whose answer would go from Before to After.</summary>
public sealed record CheckFlipCount(string Agency, string Matter, CheckDecision Before, CheckDecision After, long Count);

/// <summary>One stored check whose answer would differ.</summary>
public sealed record CheckFlipExample(string CheckId, string OperatorId, string Agency, string Matter, DateTimeOffset CheckedAt, CheckDecision Before, CheckDecision After);

/// <summary>What replaying the stored checks of [From, To] under the candidate found.</summary>
public sealed record CheckReplayReport(
    DateTimeOffset From,
    DateTimeOffset To,
    long Replayed,
    long Changed,
    IReadOnlyList<CheckFlipCount> Flips,
    IReadOnlyList<CheckFlipExample> Examples);

/// <summary>
/// What publishing a candidate policy would do, computed without writing anything: the gRPC stream's last
/// message, and what the web console renders.
/// </summary>
/// <param name="BaselineVersion">The version in force at <paramref name="AsOf"/> (before).</param>
/// <param name="CandidateVersion">The candidate document's version (after).</param>
/// <param name="AsOf">The instant assessed.</param>
/// <param name="OperatorsAssessed">Operators with a record assessed.</param>
/// <param name="OperatorsChanged">Operators whose grade or listing would change.</param>
/// <param name="ScoresChanged">Operators whose score would change.</param>
/// <param name="Transitions">Before → after state counts, unchanged pairs included, nonzero only, ordered.</param>
/// <param name="ScoreChanges">Histogram of score changes (after minus before).</param>
/// <param name="NewlyListedCount">Operators newly listed.</param>
/// <param name="NewlyListed">The first <see cref="PolicySimulator.MaxListed"/> newly listed USCCs, in USCC order.</param>
/// <param name="DelistedCount">Operators delisted.</param>
/// <param name="Delisted">The first <see cref="PolicySimulator.MaxListed"/> delisted USCCs, in USCC order.</param>
/// <param name="Notices">IMPOSE / LIFT notices per agency that would follow.</param>
/// <param name="Checks">The replay of stored agency checks.</param>
/// <param name="Elapsed">How long the simulation took.</param>
public sealed record SimulationReport(
    string BaselineVersion,
    string CandidateVersion,
    DateTimeOffset AsOf,
    long OperatorsAssessed,
    long OperatorsChanged,
    long ScoresChanged,
    IReadOnlyList<GradeTransitionCount> Transitions,
    IReadOnlyList<ScoreChangeBucket> ScoreChanges,
    long NewlyListedCount,
    IReadOnlyList<string> NewlyListed,
    long DelistedCount,
    IReadOnlyList<string> Delisted,
    IReadOnlyList<AgencyNoticeCount> Notices,
    CheckReplayReport Checks,
    TimeSpan Elapsed)
{
    /// <summary>The states of a transition, in display order.</summary>
    public static readonly IReadOnlyList<string> States = ["A", "B", "C", "D", "LISTED"];

    /// <summary>A state: LISTED for a listed operator, else its grade.</summary>
    public static string StateOf(CreditSummary s) => s.Blacklisted ? "LISTED" : s.Grade.ToString();
}
