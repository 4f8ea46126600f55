using Grpc.Core;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Startup;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Approvals;

public static class ApprovalExtensions
{
    /// <summary>
    /// Four-eyes approval of grave changes (<c>Approvals:*</c>), the working-day calendar review periods are
    /// counted on (<c>Calendar:*</c>), and the hosted service that finishes approvals decided before a crash.
    /// </summary>
    public static void AddApprovals(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ApprovalsOptions, ApprovalsOptionsValidator>(ApprovalsOptions.Section, ApprovalsOptionsValidator.ReadSecondPersonFor);
        builder.Services.AddSingleton(ReadCalendar(builder.Configuration));
        builder.Services.AddSingleton<FourEyes>();
        builder.Services.AddHostedService<ApprovalResume>();
    }

    /// <summary>China's working days for review periods: <c>Calendar:Holidays</c> and <c>Calendar:ExtraWorkdays</c> (调休), yyyy-MM-dd each.</summary>
    private static WorkingCalendar ReadCalendar(IConfiguration config)
    {
        IReadOnlyList<DateOnly> Dates(string key)
        {
            var section = config.GetSection(key);
            var values = section.Value is { } one ? [one] : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
            try
            {
                return WorkingCalendar.ParseDates(values, key);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException(e.Message);
            }
        }

        var holidays = Dates("Calendar:Holidays");
        var extra = Dates("Calendar:ExtraWorkdays");
        try
        {
            return new WorkingCalendar(holidays, extra);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{e.Message} (Calendar:ExtraWorkdays)");
        }
    }

    /// <summary>Once the server has started: finishes approvals decided before a crash but not known to be applied.</summary>
    private sealed class ApprovalResume(FourEyes fourEyes, DurableWrites durable, IHostApplicationLifetime lifetime, ILoggerFactory loggers) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            var logger = loggers.CreateLogger("WangJian.Credit.Approvals");
            for (var attempt = 0; attempt < 10 && !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await fourEyes.ResumeAsync();
                    await durable.WaitAsync();
                    return;
                }
                catch (RpcException e)
                {
                    // The change can no longer be applied: the approval is FAILED with the reason.
                    logger.LogWarning("Finishing an approval failed: {Detail}", e.Status.Detail);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Finishing approvals failed; retrying");
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
            }
        }
    }
}
