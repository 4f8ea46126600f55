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

    private static readonly UpDownCounter<long> NoticesPending = Meter.CreateUpDownCounter<long>("wjcredit.notices.pending", "{notice}", "Push notices enqueued and not yet delivered, by agency");

    private static readonly UpDownCounter<long> NoticesFailing = Meter.CreateUpDownCounter<long>("wjcredit.notices.failing", "{notice}", "Agencies whose head notice is failing (1) or not (0)");

    private static readonly Counter<long> Checks = Meter.CreateCounter<long>("wjcredit.checks", "{check}", "Pre-approval checks answered, by agency and decision");

    public static void Recorded(string family) => ViolationsRecorded.Add(1, new KeyValuePair<string, object?>("family", family));

    public static void GradeChanged(Grade from, Grade to) =>
        GradeChanges.Add(1, new KeyValuePair<string, object?>("from", from.ToString()), new KeyValuePair<string, object?>("to", to.ToString()));

    public static void Listing(bool listed) => ListingChanges.Add(1, new KeyValuePair<string, object?>("change", listed ? "listed" : "lifted"));

    public static void Enqueued(string agency, bool push)
    {
        NoticesEnqueued.Add(1, new KeyValuePair<string, object?>("agency", agency));
        if (push)
        {
            NoticesPending.Add(1, new KeyValuePair<string, object?>("agency", agency));
        }
    }

    public static void Delivered(string agency, bool wasFailing)
    {
        NoticesDelivered.Add(1, new KeyValuePair<string, object?>("agency", agency));
        NoticesPending.Add(-1, new KeyValuePair<string, object?>("agency", agency));
        if (wasFailing)
        {
            NoticesFailing.Add(-1, new KeyValuePair<string, object?>("agency", agency));
        }
    }

    public static void DeliveryFailed(string agency, bool firstFailure)
    {
        NoticeFailures.Add(1, new KeyValuePair<string, object?>("agency", agency));
        if (firstFailure)
        {
            NoticesFailing.Add(1, new KeyValuePair<string, object?>("agency", agency));
        }
    }

    public static void Checked(string agency, CheckDecision decision) =>
        Checks.Add(1, new KeyValuePair<string, object?>("agency", agency), new KeyValuePair<string, object?>("decision", decision.ToString()));
}
