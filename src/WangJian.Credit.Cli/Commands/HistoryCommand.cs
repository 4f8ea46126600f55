using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit history USCC</c>: every violation record of an operator, with its status changes.</summary>
public static class HistoryCommand
{
    public static Command Create(Binder bind)
    {
        var uscc = new Argument<string>("USCC") { Description = "The operator's unified social credit code" };
        var pageSize = new Option<int>("--page-size") { Description = "Records per call (1–1,000)", DefaultValueFactory = _ => 500 };
        var command = new Command("history", "An operator's violation records in the order they were recorded, with every status change (role regulator)")
        {
            uscc,
            pageSize,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(uscc)!, parse.GetValue(pageSize))));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string uscc, int pageSize)
    {
        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);
        var all = new ListViolationsResponse();
        var token = string.Empty;
        do
        {
            var page = await client.ListViolationsAsync(
                new ListViolationsRequest { OperatorId = uscc, PageSize = pageSize, PageToken = token },
                deadline: connection.Deadline,
                cancellationToken: context.CancellationToken);
            all.Violations.AddRange(page.Violations);
            all.TotalSize = page.TotalSize;
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        if (context.Output.Json)
        {
            context.Output.WriteJson(all);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (all.Violations.Count == 0)
        {
            console.WriteLine($"{uscc}: no violation records.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Decided", "Decision", "Offense", "Penalty", "Status", "Recorded");
        foreach (var v in all.Violations)
        {
            var penalty = string.Join("|", v.PenaltyKinds.Select(Names.Of))
                + (v.FineFen > 0 ? $"\nfine ¥{Names.Yuan(v.FineFen)}" : string.Empty)
                + (v.IllegalGainsFen > 0 ? $"\ngains ¥{Names.Yuan(v.IllegalGainsFen)}" : string.Empty)
                + (v.HeavierPenalty ? "\nheavier penalty" : string.Empty);
            var status = Names.Of(v.Status) + string.Concat(v.Changes.Select(c =>
                $"\n→ {Names.Of(c.To)} {Times.Format(c.EffectiveTime)} by {c.ChangedBy}" + (c.ApprovedBy.Length > 0 ? $", approved by {c.ApprovedBy}" : string.Empty) + (c.Reason.Length > 0 ? $": {c.Reason}" : string.Empty)));
            table.AddRow(
                Markup.Escape(Times.FormatDate(v.DecidedAt)),
                Markup.Escape($"{v.DecisionNumber}\n{v.AuthorityName} ({v.AuthorityCode})\n{v.ViolationId}"),
                Markup.Escape($"{v.OffenseCode}\n{v.Family} · {Names.Of(v.Severity)}"),
                Markup.Escape(penalty),
                Markup.Escape(status),
                Markup.Escape($"{Times.Format(v.RecordTime)}\nby {v.RecordedBy}"));
        }

        console.MarkupLine($"[bold]{Markup.Escape(uscc)}[/]: {all.TotalSize} record(s)");
        console.Write(table);
        return ExitCodes.Ok;
    }
}
