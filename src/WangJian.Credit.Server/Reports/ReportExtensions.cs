using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Reports;

public static class ReportExtensions
{
    /// <summary>The report settings (<c>Reports:*</c>), checked and the font registered before the store starts.</summary>
    public static ReportOptions AddReportOptions(this WebApplicationBuilder builder, ILogger bootLog)
    {
        var options = builder.AddValidatedOptions<ReportOptions, ReportOptionsValidator>(ReportOptions.Section);
        var family = ReportFontFamilyFor(options);
        if (family is null)
        {
            bootLog.LogWarning("No CJK TrueType font for PDF credit reports ({Paths}): PDF reports answer FAILED_PRECONDITION, JSON reports work; install fonts-wqy-zenhei or set Reports:FontPath", string.Join(", ", ReportFont.DefaultPaths));
        }

        builder.Services.AddSingleton(new ReportFontFamily(family));
        return options;
    }

    /// <summary>Signed credit reports: the signing key (loaded, or created in the data directory), the report record and the issuer.</summary>
    public static async Task<SigningKeys> AddCreditReportsAsync(this WebApplicationBuilder builder, ReportOptions options, StorageOptions storage, CreditStore store)
    {
        var signingKeys = await SigningKeys.LoadAsync(
            options.SigningKeyPath is { Length: > 0 } keyPath ? keyPath : Path.Combine(storage.DataDir, "report-signing-key.pem"),
            create: string.IsNullOrEmpty(options.SigningKeyPath),
            store.Redis,
            TimeProvider.System.GetUtcNow());
        builder.Services.AddSingleton(signingKeys);
        builder.Services.AddSingleton<ReportStore>();
        builder.Services.AddSingleton<CreditReports>();
        return signingKeys;
    }

    /// <summary>
    /// The CJK font of PDF reports. A configured path that is missing or not usable stops the server; with none
    /// configured and none of the defaults installed the server starts, logs it, and answers PDF requests with
    /// FAILED_PRECONDITION naming the fix (JSON reports still work).
    /// </summary>
    private static string? ReportFontFamilyFor(ReportOptions options)
    {
        var configured = !string.IsNullOrWhiteSpace(options.FontPath);
        var path = ReportFont.Find(options.FontPath);
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"the report font {path} does not exist (Reports:FontPath)");
        }

        try
        {
            return ReportFont.Register(path);
        }
        catch (Exception e) when (configured && e is IOException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException($"{e.Message} (Reports:FontPath)");
        }
    }
}
