using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>Joint punishment at a glance: each agency's notices by state (a chart), and the failing ones with their last error.</summary>
[ConsoleAuthorize(Roles.RegulatorReads)]
public sealed class PunishmentModel(IGrainFactory grains, IStringLocalizer<SharedResource> l) : PageModel
{
    /// <summary>Notices read per agency for the overview; more are counted as "more".</summary>
    public const int MaxPerAgency = 10_000;

    public IReadOnlyList<(string Agency, int Pending, int Failing, int Delivered, int Acknowledged, bool Truncated)> Counts { get; private set; } = [];

    public IReadOnlyList<StoredNotice> Failing { get; private set; } = [];

    public string ChartJson { get; private set; } = "{}";

    public async Task OnGetAsync()
    {
        var perAgency = await Task.WhenAll(Agencies.All.Select(async agency =>
        {
            var outbox = grains.GetGrain<IAgencyOutboxGrain>(agency);
            var all = new List<StoredNotice>();
            var after = 0L;
            while (all.Count < MaxPerAgency)
            {
                var page = await outbox.ListAsync(after, 1000);
                if (page.Count == 0)
                {
                    break;
                }

                all.AddRange(page);
                after = page[^1].Sequence;
            }

            return (agency, all);
        }));
        Counts = perAgency.Select(p => (
            p.agency,
            p.all.Count(n => n.Status.State == NoticeState.Pending),
            p.all.Count(n => n.Status.State == NoticeState.Failing),
            p.all.Count(n => n.Status.State == NoticeState.Delivered),
            p.all.Count(n => n.Status.State == NoticeState.Acknowledged),
            p.all.Count >= MaxPerAgency)).ToArray();
        Failing = perAgency.SelectMany(p => p.all).Where(n => n.Status.State == NoticeState.Failing).OrderByDescending(n => n.Notice.IssuedAt).Take(100).ToArray();
        ChartJson = JsonSerializer.Serialize(new
        {
            agencies = Counts.Select(c => c.Agency).ToArray(),
            series = new object[]
            {
                new { name = l["notice.Pending"].Value, data = Counts.Select(c => c.Pending).ToArray() },
                new { name = l["notice.Failing"].Value, data = Counts.Select(c => c.Failing).ToArray() },
                new { name = l["notice.Delivered"].Value, data = Counts.Select(c => c.Delivered).ToArray() },
                new { name = l["notice.Acknowledged"].Value, data = Counts.Select(c => c.Acknowledged).ToArray() },
            },
        });
    }
}
