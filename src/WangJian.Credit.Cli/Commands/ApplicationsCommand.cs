using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit applications list|approve|reject</c>: the regulator's inbox of repair applications and objections
/// routed to the authorities of its scope, oldest due first.
/// </summary>
public static class ApplicationsCommand
{
    public static Command Create(Binder bind)
    {
        var command = new Command("applications", "Repair applications and objections in your inbox: list, approve, reject");
        command.Subcommands.Add(List(bind));
        command.Subcommands.Add(Decide(bind, "approve", ApprovalDecision.Approve, "Approve: a repair is applied (an objection revokes the violation), through the second person where that is configured"));
        command.Subcommands.Add(Decide(bind, "reject", ApprovalDecision.Reject, "Reject: nothing changes but the application"));
        return command;
    }

    private static Command List(Binder bind)
    {
        var state = new Option<string?>("--state") { Description = "SUBMITTED (default), APPROVED, APPROVAL_PENDING, REJECTED or WITHDRAWN" };
        var kind = new Option<string?>("--kind") { Description = "REPAIR or OBJECTION (default: both)" };
        var overdue = new Option<bool>("--overdue") { Description = "Only those past their due date" };
        var limit = new Option<int>("--limit") { Description = "At most this many (oldest due first)", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "Applications within your scope, oldest due first") { state, kind, overdue, limit };
        command.SetAction(bind((context, parse) => ListAsync(context, parse.GetValue(state), parse.GetValue(kind), parse.GetValue(overdue), parse.GetValue(limit))));
        return command;
    }

    private static Command Decide(Binder bind, string name, ApprovalDecision decision, string description)
    {
        var id = new Argument<string>("APPLICATION_ID") { Description = "The application's id (app_…), from 'applications list'" };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the decision and, on approval, with the repair or revocation)", Required = true };
        var command = new Command(name, description) { id, reason };
        command.SetAction(bind((context, parse) => DecideAsync(context, parse.GetValue(id)!, decision, parse.GetValue(reason)!)));
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, string? state, string? kind, bool overdue, int limit)
    {
        if (limit < 1)
        {
            throw new UsageException($"--limit must be at least 1, got {limit}");
        }

        var request = new ListApplicationsRequest
        {
            State = Parse<ApplicationState>(state, "--state", "APPLICATION_STATE_"),
            Kind = Parse<ApplicationKind>(kind, "--kind", "APPLICATION_KIND_"),
            OverdueOnly = overdue,
        };
        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);
        var all = new ListApplicationsResponse();
        do
        {
            request.PageSize = Math.Min(limit - all.Applications.Count, 1000);
            var page = await client.ListApplicationsAsync(request, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
            all.Applications.AddRange(page.Applications);
            all.OverdueCount = page.OverdueCount;
            all.NextPageToken = page.NextPageToken;
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0 && all.Applications.Count < limit);

        if (context.Output.Json)
        {
            context.Output.WriteJson(all);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (all.Applications.Count == 0)
        {
            console.WriteLine("No applications.");
        }
        else
        {
            var table = new Table().AddColumns("Application", "Operator", "Asks for", "Statement", "Due", "State");
            foreach (var a in all.Applications)
            {
                table.AddRow(
                    Markup.Escape(a.ApplicationId),
                    Markup.Escape(a.OperatorId),
                    Markup.Escape(Target(a)),
                    Markup.Escape(a.Statement),
                    a.Overdue ? $"[bold red]{Markup.Escape(Times.Format(a.DueTime))}\nOVERDUE[/]" : Markup.Escape(Times.Format(a.DueTime)),
                    Markup.Escape(Names.Of(a.State)));
            }

            console.Write(table);
        }

        console.WriteLine($"{all.OverdueCount} overdue in your scope.");
        return ExitCodes.Ok;
    }

    private static async Task<int> DecideAsync(CommandContext context, string id, ApprovalDecision decision, string reason)
    {
        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);
        var response = await client.DecideApplicationAsync(
            new DecideApplicationRequest { ApplicationId = id, Decision = decision, Reason = reason },
            deadline: connection.Deadline,
            cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var a = response.Application;
        var console = context.Output.Console;
        console.WriteLine($"{a.ApplicationId}  {Names.Of(a.State)} by {a.DecidedBy}: {Target(a)} of {a.OperatorId}");
        if (response.Violation is { } v)
        {
            console.WriteLine($"Violation   {v.DecisionNumber} is now {Names.Of(v.Status)}");
        }

        if (response.Approval is { } approval)
        {
            console.WriteLine($"Waits for   a second regulator: approval {approval.ApprovalId} (wjcredit approvals approve {approval.ApprovalId} --reason …)");
        }

        var s = response.Status;
        console.WriteLine($"Credit now  grade {Names.Of(s.Grade)}, score {Names.Points(s.Score)}, {(s.Blacklisted ? "blacklisted" : "not blacklisted")}");
        return ExitCodes.Ok;
    }

    internal static string Target(Application a) =>
        (a.Kind == ApplicationKind.Objection ? "objection to " : "repair of ") + (a.Listing ? "the listing" : a.ViolationId) + $" ({string.Join(", ", a.AuthorityCodes)})";

    private static T Parse<T>(string? value, string option, string prefix)
        where T : struct, Enum
    {
        if (value is null)
        {
            return default;
        }

        var wanted = prefix + value.Trim().ToUpperInvariant().Replace('-', '_');
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (prefix + Names.Of(candidate) == wanted)
            {
                return candidate;
            }
        }

        throw new UsageException($"{option} '{value}' is not one of {string.Join(", ", Enum.GetValues<T>().Skip(1).Select(Names.Of))}");
    }
}
