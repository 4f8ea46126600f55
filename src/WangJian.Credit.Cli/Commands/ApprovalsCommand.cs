using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit approvals list|approve|reject</c>: the second person's side of four-eyes changes (role regulator;
/// an admin may list and reject).
/// </summary>
public static class ApprovalsCommand
{
    public static Command Create(Binder bind)
    {
        var command = new Command("approvals", "Revocations and listing repairs waiting for a second regulator: list, approve, reject");
        command.Subcommands.Add(List(bind));
        command.Subcommands.Add(Decide(bind, "approve", ApprovalDecision.Approve, "Approve: the change is applied now, with you as the approver"));
        command.Subcommands.Add(Decide(bind, "reject", ApprovalDecision.Reject, "Reject: nothing changes"));
        return command;
    }

    private static Command List(Binder bind)
    {
        var decided = new Option<bool>("--decided") { Description = "Decided approvals (approved, rejected, expired, failed) instead of pending ones" };
        var op = new Option<string?>("--operator") { Description = "Only approvals for this operator (USCC)" };
        var limit = new Option<int>("--limit") { Description = "At most this many (newest first)", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "Approvals within your scope, newest first (default: pending)") { decided, op, limit };
        command.SetAction(bind((context, parse) => ListAsync(context, parse.GetValue(decided), parse.GetValue(op), parse.GetValue(limit))));
        return command;
    }

    private static Command Decide(Binder bind, string name, ApprovalDecision decision, string description)
    {
        var id = new Argument<string>("APPROVAL_ID") { Description = "The approval's id (apr_…), from 'approvals list'" };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the decision)", Required = true };
        var command = new Command(name, description) { id, reason };
        command.SetAction(bind((context, parse) => DecideAsync(context, parse.GetValue(id)!, decision, parse.GetValue(reason)!)));
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, bool decided, string? op, int limit)
    {
        if (limit < 1)
        {
            throw new UsageException($"--limit must be at least 1, got {limit}");
        }

        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);
        var all = new ListApprovalsResponse();
        var token = string.Empty;
        do
        {
            var page = await client.ListApprovalsAsync(
                new ListApprovalsRequest { Decided = decided, OperatorId = op ?? string.Empty, PageSize = Math.Min(limit - all.Approvals.Count, 1000), PageToken = token },
                deadline: connection.Deadline,
                cancellationToken: context.CancellationToken);
            all.Approvals.AddRange(page.Approvals);
            token = page.NextPageToken;
            all.NextPageToken = token;
        }
        while (token.Length > 0 && all.Approvals.Count < limit);

        if (context.Output.Json)
        {
            context.Output.WriteJson(all);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (all.Approvals.Count == 0)
        {
            console.WriteLine(decided ? "No decided approvals." : "No pending approvals.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Approval", "Change", "Reason", "Proposed", "State");
        foreach (var a in all.Approvals)
        {
            table.AddRow(
                Markup.Escape(a.ApprovalId),
                Markup.Escape(Describe(a)),
                Markup.Escape(a.Reason),
                Markup.Escape($"{a.ProposedBy}\n{Times.Format(a.ProposeTime)}"),
                Markup.Escape(State(a)));
        }

        console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> DecideAsync(CommandContext context, string id, ApprovalDecision decision, string reason)
    {
        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);
        var response = await client.DecideApprovalAsync(
            new DecideApprovalRequest { ApprovalId = id, Decision = decision, Reason = reason },
            deadline: connection.Deadline,
            cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var a = response.Approval;
        var console = context.Output.Console;
        console.WriteLine($"{a.ApprovalId}  {Names.Of(a.State)} by {a.DecidedBy}");
        console.WriteLine($"Change      {Describe(a).Replace('\n', ' ')}");
        console.WriteLine($"Proposed    by {a.ProposedBy} at {Times.Format(a.ProposeTime)}: {a.Reason}");
        if (response.Status is { } s)
        {
            console.WriteLine($"Credit now  grade {Names.Of(s.Grade)}, score {s.Score}, {(s.Blacklisted ? "blacklisted" : "not blacklisted")}");
        }

        return ExitCodes.Ok;
    }

    private static string Describe(Approval a) => a.Action switch
    {
        ApprovalAction.Revoke => $"revoke {a.ViolationId}\nof {a.OperatorId} ({string.Join(", ", a.AuthorityCodes)})",
        ApprovalAction.PublishPolicy => $"publish policy {a.PolicyVersion}\nin force from {Times.Format(a.EffectiveTime)}",
        _ => $"repair the listing\nof {a.OperatorId} ({string.Join(", ", a.AuthorityCodes)})",
    };

    private static string State(Approval a) => a.State switch
    {
        ApprovalState.Pending => $"PENDING\nexpires {Times.Format(a.ExpireTime)}",
        ApprovalState.Expired => $"EXPIRED\n{Times.Format(a.ExpireTime)}",
        ApprovalState.Failed => $"FAILED\n{a.Failure}",
        _ => $"{Names.Of(a.State)}\nby {a.DecidedBy} {Times.Format(a.DecideTime)}" + (a.DecisionReason.Length > 0 ? $"\n{a.DecisionReason}" : string.Empty),
    };
}
