using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Csv;

/// <summary>A row that could not be turned into a request locally; it is not sent.</summary>
public sealed record LocalRejection(string Reason, IReadOnlyList<string> Fields);

/// <summary>
/// The import file's columns and how a row becomes a <see cref="RecordViolationRequest"/>. Only what cannot
/// be expressed in the request is checked here (column count, numbers, enums, dates); everything else, the
/// USCC included, is the server's to judge, so the file gets the same answers as RecordViolation.
/// </summary>
public static class ViolationCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "operator_id", "offense_code", "severity", "decision_number", "authority_code", "authority_name",
        "decided_at", "fine_fen", "illegal_gains_fen", "heavier_penalty", "penalty_kinds", "description",
    ];

    public static string Header => string.Join(',', Columns);

    /// <summary>Maps header names to positions; the header must hold every column once, in any order.</summary>
    public static int[] MapHeader(IReadOnlyList<string> header)
    {
        var names = header.Select((h, i) => (Name: (i == 0 ? h.TrimStart('\uFEFF') : h).Trim().ToLowerInvariant(), Index: i)).ToList();
        var unknown = names.Where(n => !Columns.Contains(n.Name)).Select(n => n.Name).ToList();
        var missing = Columns.Where(c => names.All(n => n.Name != c)).ToList();
        var repeated = names.GroupBy(n => n.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (unknown.Count > 0 || missing.Count > 0 || repeated.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0)
            {
                problems.Add("missing " + string.Join(", ", missing));
            }

            if (unknown.Count > 0)
            {
                problems.Add("unknown " + string.Join(", ", unknown.Select(u => $"'{u}'")));
            }

            if (repeated.Count > 0)
            {
                problems.Add("repeated " + string.Join(", ", repeated));
            }

            throw new UsageException($"the header must be {Header} ({string.Join("; ", problems)})");
        }

        return Columns.Select(c => names.First(n => n.Name == c).Index).ToArray();
    }

    public static (RecordViolationRequest? Request, LocalRejection? Rejection) Map(CsvRecord record, int[] positions)
    {
        if (record.Error is { } csvError)
        {
            return (null, new LocalRejection(csvError, []));
        }

        if (record.Fields.Count != positions.Length)
        {
            return (null, new LocalRejection($"expected {positions.Length} fields, found {record.Fields.Count} (quote fields that contain commas)", []));
        }

        string F(int column) => record.Fields[positions[column]];
        var problems = new List<(string Field, string Reason)>();

        var severity = ParseSeverity(F(2));
        if (severity is null)
        {
            problems.Add(("severity", $"severity '{F(2)}' is not MINOR, GENERAL, SERIOUS or ESPECIALLY_SERIOUS"));
        }

        Timestamp? decidedAt = null;
        if (F(6).Trim().Length == 0)
        {
            problems.Add(("decided_at", "decided_at is empty"));
        }
        else if (Times.TryParse(F(6), out var decided))
        {
            decidedAt = Timestamp.FromDateTimeOffset(decided);
        }
        else
        {
            problems.Add(("decided_at", $"decided_at '{F(6)}' is not an ISO-8601 date (2025-03-14) or date-time (2025-03-14T09:30:00+08:00)"));
        }

        var fine = ParseFen(F(7), "fine_fen", problems);
        var gains = ParseFen(F(8), "illegal_gains_fen", problems);

        var heavier = ParseBool(F(9));
        if (heavier is null)
        {
            problems.Add(("heavier_penalty", $"heavier_penalty '{F(9)}' is not true or false"));
        }

        var kinds = new List<PenaltyKind>();
        foreach (var part in F(10).Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (ParsePenaltyKind(part) is { } kind)
            {
                kinds.Add(kind);
            }
            else
            {
                problems.Add(("penalty_kinds", $"penalty kind '{part}' is not WARNING, FINE, CONFISCATION, SUSPENSION or LICENCE_REVOCATION"));
            }
        }

        if (problems.Count > 0)
        {
            return (null, new LocalRejection(string.Join("; ", problems.Select(p => p.Reason)), problems.Select(p => p.Field).Distinct().ToArray()));
        }

        var request = new RecordViolationRequest
        {
            OperatorId = F(0).Trim(),
            OffenseCode = F(1).Trim(),
            Severity = severity!.Value,
            DecisionNumber = F(3).Trim(),
            AuthorityCode = F(4).Trim(),
            AuthorityName = F(5).Trim(),
            DecidedAt = decidedAt,
            FineFen = fine,
            IllegalGainsFen = gains,
            HeavierPenalty = heavier!.Value,
            Description = F(11),
        };
        request.PenaltyKinds.AddRange(kinds);
        return (request, null);
    }

    public static Severity? ParseSeverity(string text) => Strip(text, "SEVERITY_") switch
    {
        "MINOR" or "轻微" => Severity.Minor,
        "GENERAL" or "一般" => Severity.General,
        "SERIOUS" or "严重" => Severity.Serious,
        "ESPECIALLY_SERIOUS" or "特别严重" => Severity.EspeciallySerious,
        _ => null,
    };

    public static PenaltyKind? ParsePenaltyKind(string text) => Strip(text, "PENALTY_KIND_") switch
    {
        "WARNING" or "警告" => PenaltyKind.Warning,
        "FINE" or "罚款" => PenaltyKind.Fine,
        "CONFISCATION" or "没收" => PenaltyKind.Confiscation,
        "SUSPENSION" or "停业" => PenaltyKind.Suspension,
        "LICENCE_REVOCATION" or "LICENSE_REVOCATION" or "吊销" => PenaltyKind.LicenceRevocation,
        _ => null,
    };

    public static bool? ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "" or "false" or "0" or "no" or "n" or "否" => false,
        "true" or "1" or "yes" or "y" or "是" => true,
        _ => null,
    };

    private static long ParseFen(string text, string field, List<(string Field, string Reason)> problems)
    {
        var s = text.Trim();
        if (s.Length == 0)
        {
            return 0;
        }

        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add((field, $"{field} '{text}' is not a whole number of fen (1 yuan = 100 fen)"));
        return 0;
    }

    private static string Strip(string text, string prefix)
    {
        var s = text.Trim().ToUpperInvariant().Replace(' ', '_').Replace('-', '_');
        return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
    }
}
