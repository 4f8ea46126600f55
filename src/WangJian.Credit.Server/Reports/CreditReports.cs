using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Reports;

/// <summary>What verification found.</summary>
public enum ReportVerdict
{
    Valid = 1,
    Altered = 2,
    Unknown = 3,
}

/// <summary>The verdict and, when valid, what the report is of.</summary>
public sealed record Verification(ReportVerdict Verdict, ReportRecord? Report);

/// <summary>
/// What verifying an uploaded report file checked: its signature trailer (number, key id), the signature over
/// the signed part with that key's public half, and the file's SHA-256 against the digest recorded at issue.
/// </summary>
/// <param name="Result">The register's verdict on the number and digest (UNKNOWN when the file has no trailer).</param>
/// <param name="HasTrailer">The file carries the <see cref="PdfReport.Trailer"/> line.</param>
/// <param name="ReportNumber">The number the trailer names.</param>
/// <param name="KeyId">The key id the trailer names.</param>
/// <param name="KeyKnown">That key id is one of the service's signing keys.</param>
/// <param name="SignatureValid">The signature verifies with that key (null when it could not be checked).</param>
/// <param name="Sha256">The uploaded file's digest.</param>
public sealed record FileVerification(Verification Result, bool HasTrailer, string? ReportNumber, string? KeyId, bool KeyKnown, bool? SignatureValid, string Sha256);

/// <summary>Report settings (<c>Reports:*</c>).</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>The CJK TrueType font; empty: the first of <see cref="ReportFont.DefaultPaths"/> that exists.</summary>
    public string? FontPath { get; set; }

    /// <summary>The signing key (PEM, EC P-256); empty: <c>&lt;DataDir&gt;/report-signing-key.pem</c>, created at first start.</summary>
    public string? SigningKeyPath { get; set; }
}

/// <summary>
/// Issues signed credit reports and verifies them. A report is assessed by the same scorer as every status,
/// shows the penalty decisions inside their publicity period at its instant and those behind its listing,
/// is signed with the service's key, and is recorded (number, digest, requester, time) before it is answered.
/// </summary>
public sealed class CreditReports(IGrainFactory grains, PolicyVersions versions, CreditClock clock, SigningKeys keys, ReportStore store, ReportFontFamily font)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A report of <paramref name="operatorId"/> at <paramref name="asOf"/> (null: now), as PDF or JSON.</summary>
    public async Task<SignedReport> IssueAsync(string operatorId, DateTimeOffset? asOf, bool pdf, string requestedBy)
    {
        if (pdf && font.Family is null)
        {
            throw GrpcErrors.FailedPrecondition($"PDF reports need a CJK TrueType font and none was found ({string.Join(", ", ReportFont.DefaultPaths)}); install fonts-wqy-zenhei or set Reports:FontPath, or ask for format JSON");
        }

        var grain = grains.Operator(operatorId);
        var assessment = await grain.GetAssessmentAsync(asOf);
        var history = await grain.GetHistoryAsync();
        var now = clock.UtcNow;
        var report = Build(assessment, history, now);

        byte[] content;
        string signature;
        if (pdf)
        {
            var body = PdfReport.Render(report, font.Family!, QrPayload(report));
            var sig = keys.Sign(body);
            content = PdfReport.WithTrailer(body, report.ReportNumber, keys.KeyId, sig);
            signature = Convert.ToBase64String(sig);
        }
        else
        {
            content = JsonSerializer.SerializeToUtf8Bytes(report, Json);
            signature = Convert.ToBase64String(keys.Sign(content));
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await store.AddAsync(new ReportRecord(
            report.ReportNumber, operatorId, report.AsOf, report.IssuedAt, pdf ? "PDF" : "JSON", sha, keys.KeyId, signature, requestedBy,
            report.Grade, report.Score, report.PolicyVersion));
        return new SignedReport(report, content, pdf ? "application/pdf" : "application/json", sha, signature);
    }

    /// <summary>
    /// <see cref="VerifyAsync"/> of a number and digest as a caller typed them (PublicService.VerifyCreditReport,
    /// the console's verification page): INVALID_ARGUMENT for a missing number or a digest that is not 64 hex digits.
    /// </summary>
    public Task<Verification> VerifyTypedAsync(string? reportNumber, string? sha256)
    {
        var errors = new List<FieldViolation>();
        RequestFields.Required(reportNumber ?? string.Empty, "report_number", 64, errors);
        if (!System.Text.RegularExpressions.Regex.IsMatch(sha256?.Trim() ?? string.Empty, "^[0-9a-fA-F]{64}$"))
        {
            errors.Add(new("sha256", "sha256 must be 64 hex digits"));
        }

        RequestFields.ThrowIfAny(errors);
        return VerifyAsync(reportNumber!, sha256!);
    }

    /// <summary>
    /// Verifies a delivered file: its digest against the register under the number its trailer names, and its
    /// signature with the public half of the key the trailer names (what an offline verifier checks too).
    /// </summary>
    public async Task<FileVerification> VerifyFileAsync(byte[] file)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        if (PdfReport.ReadTrailer(file) is not { } trailer)
        {
            return new FileVerification(new Verification(ReportVerdict.Unknown, null), false, null, null, false, null, sha);
        }

        var key = (await keys.ListAsync()).FirstOrDefault(k => k.KeyId == trailer.KeyId);
        bool? signed = key is null ? null : SigningKeys.Verify(key.PublicKeyPem, trailer.Signed, trailer.Signature);
        var verdict = await VerifyAsync(trailer.ReportNumber, sha);
        return new FileVerification(verdict, true, trailer.ReportNumber, trailer.KeyId, key is not null, signed, sha);
    }

    /// <summary>VALID when a report of that number was issued with exactly that digest, ALTERED when the digest differs, else UNKNOWN.</summary>
    public async Task<Verification> VerifyAsync(string reportNumber, string sha256)
    {
        var record = await store.GetAsync(reportNumber.Trim());
        if (record is null)
        {
            return new Verification(ReportVerdict.Unknown, null);
        }

        return string.Equals(record.Sha256, sha256.Trim(), StringComparison.OrdinalIgnoreCase)
            ? new Verification(ReportVerdict.Valid, record)
            : new Verification(ReportVerdict.Altered, null);
    }

    public Task<IReadOnlyList<PublicSigningKey>> SigningKeysAsync() => keys.ListAsync();

    private CreditReport Build(Assessment assessment, OperatorHistory history, DateTimeOffset now)
    {
        var at = assessment.AsOf;
        var behind = assessment.Listing?.Triggers.SelectMany(t => t.ViolationIds).ToHashSet(StringComparer.Ordinal) ?? [];
        // The version that scored the status: its offense names, publicity periods and measures.
        var policy = versions.Timeline.PolicyOf(assessment);
        var publicity = policy.Publicity;
        var penalties = history.Violations
            .Where(v => Domain.Publicity.IsPublishedAt(v, publicity, at) || (behind.Contains(v.Id) && !v.IsRevoked))
            .OrderByDescending(v => v.DecidedAt)
            .Select(v => new ReportPenalty(
                v.DecisionNumber, v.AuthorityCode, v.AuthorityName, v.OffenseCode, policy.Offenses.TryGetValue(v.OffenseCode, out var o) ? o.NameZh : v.OffenseCode,
                SeverityZh(v.Severity), v.PenaltyKinds.Select(KindZh).ToArray(), v.FineFen, v.DecidedAt, Domain.Publicity.EndsAt(v, publicity), behind.Contains(v.Id)))
            .ToArray();
        var byId = history.Violations.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var listing = assessment.Listing is { } l
            ? new ReportListing(
                l.ListedAt, l.ExpiresAt, l.Triggers.Select(t => t.Rule).Distinct().ToArray(),
                l.Triggers.SelectMany(t => t.ViolationIds).Distinct().Select(id => byId.TryGetValue(id, out var v) ? v.DecisionNumber : id).ToArray())
            : null;
        var measures = assessment.Listing is null ? [] : policy.Measures.Select(m => new ReportMeasure(m.Agency, m.Code, m.Description)).ToArray();
        var number = $"WJR-{now.UtcDateTime:yyyyMMdd}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}";
        return new CreditReport(number, now, at, assessment.OperatorId, assessment.Score, assessment.Grade.ToString(), listing, penalties, measures, assessment.PolicyVersion, keys.KeyId);
    }

    /// <summary>
    /// The QR code's text: the report's key facts and a signature over them, so a printed copy can be checked
    /// against the public key without the file (WJCR1|number|operator|as-of|issued|grade|score|key id|signature).
    /// </summary>
    private string QrPayload(CreditReport r)
    {
        var facts = string.Join('|', "WJCR1", r.ReportNumber, r.OperatorId, r.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            r.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), r.Grade, r.Score.ToString("0.#", CultureInfo.InvariantCulture), r.KeyId);
        return facts + "|" + Convert.ToBase64String(keys.Sign(Encoding.UTF8.GetBytes(facts)));
    }

    private static string SeverityZh(Severity s) => s switch
    {
        Severity.Minor => "轻微",
        Severity.General => "一般",
        Severity.Serious => "严重",
        _ => "特别严重",
    };

    private static string KindZh(PenaltyKind k) => k switch
    {
        PenaltyKind.Warning => "警告",
        PenaltyKind.Fine => "罚款",
        PenaltyKind.Confiscation => "没收违法所得",
        PenaltyKind.Suspension => "责令停产停业",
        _ => "吊销许可证件",
    };
}

/// <summary>The font family reports are set in, registered at start; null when no font was found.</summary>
public sealed record ReportFontFamily(string? Family);
