using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The service's own instruments (meter <c>WangJian.Credit</c>), exported by the server through
/// OpenTelemetry. Counters are per process; sum them over the cluster's servers.
/// </summary>
public static class CreditMetrics
{
    public const string MeterName = "WangJian.Credit";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> ViolationsRecorded = Meter.CreateCounter<long>("wjcredit.violations.recorded", "{violation}", "Violation records created");

    private static readonly Counter<long> GradeChanges = Meter.CreateCounter<long>("wjcredit.grade.changes", "{change}", "Grade changes of operators");

    private static readonly Counter<long> ListingChanges = Meter.CreateCounter<long>("wjcredit.listings", "{listing}", "Operators entering (listed) or leaving (lifted) the blacklist");

    private static readonly Counter<long> NoticesEnqueued = Meter.CreateCounter<long>("wjcredit.notices.enqueued", "{notice}", "Punishment notices added to an agency's log");

    private static readonly Counter<long> NoticesDelivered = Meter.CreateCounter<long>("wjcredit.notices.delivered", "{notice}", "Notices accepted by an agency's receiver");

    private static readonly Counter<long> NoticeFailures = Meter.CreateCounter<long>("wjcredit.notices.failed_attempts", "{attempt}", "Failed push rounds of notices");

    // Reported by each agency's outbox activation from the store's log (not counted up and down per
    // process, which lost what was pending before a restart and never counted pull agencies).
    private static readonly ConcurrentDictionary<string, (long Pending, bool Failing)> Outboxes = new();

    private static readonly ObservableGauge<long> NoticesPending = Meter.CreateObservableGauge(
        "wjcredit.notices.pending",
        () => Outboxes.Select(o => new Measurement<long>(o.Value.Pending, new KeyValuePair<string, object?>("agency", o.Key))),
        "{notice}",
        "Notices in an agency's log not yet delivered (push) or acknowledged (pull)");

    private static readonly ObservableGauge<long> NoticesFailing = Meter.CreateObservableGauge(
        "wjcredit.notices.failing",
        () => Outboxes.Select(o => new Measurement<long>(o.Value.Failing ? 1 : 0, new KeyValuePair<string, object?>("agency", o.Key))),
        "{notice}",
        "1 while the agency's next notice is failing (delivery waits for it), else 0");

    private static readonly Counter<long> Checks = Meter.CreateCounter<long>("wjcredit.checks", "{check}", "Pre-approval checks answered, by agency and decision");

    /// <summary>Counts what an operator decision did: violations recorded by family, grade and listing changes.</summary>
    public static void Count(IReadOnlyList<Operators.OperatorEvent> events, CreditPolicy policy)
    {
        foreach (var e in events)
        {
            if (e is Operators.ViolationRecorded r)
            {
                Recorded(policy.Offenses.TryGetValue(r.Violation.OffenseCode, out var offense) ? offense.Family : "UNKNOWN");
            }
            else if (e is Operators.CreditChanged { Change: var c })
            {
                if (c.Current.Grade != c.Previous.Grade)
                {
                    GradeChanged(c.Previous.Grade, c.Current.Grade);
                }

                if (c.Current.Blacklisted != c.Previous.Blacklisted)
                {
                    Listing(c.Current.Blacklisted);
                }
            }
        }
    }

    public static void Recorded(string family) => ViolationsRecorded.Add(1, new KeyValuePair<string, object?>("family", family));

    public static void GradeChanged(Grade from, Grade to) =>
        GradeChanges.Add(1, new KeyValuePair<string, object?>("from", from.ToString()), new KeyValuePair<string, object?>("to", to.ToString()));

    public static void Listing(bool listed) => ListingChanges.Add(1, new KeyValuePair<string, object?>("change", listed ? "listed" : "lifted"));

    public static void Enqueued(string agency) => NoticesEnqueued.Add(1, new KeyValuePair<string, object?>("agency", agency));

    public static void Delivered(string agency) => NoticesDelivered.Add(1, new KeyValuePair<string, object?>("agency", agency));

    public static void DeliveryFailed(string agency) => NoticeFailures.Add(1, new KeyValuePair<string, object?>("agency", agency));

    /// <summary>An agency's outbox is active here: its series exist from now on, at 0 until something happens.</summary>
    public static void OutboxActive(string agency)
    {
        var tag = new KeyValuePair<string, object?>("agency", agency);
        NoticesEnqueued.Add(0, tag);
        NoticesDelivered.Add(0, tag);
        NoticeFailures.Add(0, tag);
    }

    /// <summary>What an agency's log holds now: notices still pending, and whether its next one is failing.</summary>
    public static void Outbox(string agency, long pending, bool failing) => Outboxes[agency] = (pending, failing);

    public static void OutboxInactive(string agency) => Outboxes.TryRemove(agency, out _);

    public static void Checked(string agency, CheckDecision decision) =>
        Checks.Add(1, new KeyValuePair<string, object?>("agency", agency), new KeyValuePair<string, object?>("decision", decision.ToString()));
}
