using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit status USCC [--as-of DATE]</c>: the credit report of one operator.</summary>
public static class StatusCommand
{
    public static Command Create(Binder bind)
    {
        var uscc = new Argument<string>("USCC") { Description = "The operator's unified social credit code (18 characters)" };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "Assess at this past instant: 2025-03-14 (00:00 China time), 2025-03-14T09:30, or with an offset/Z",
        };
        var command = new Command("status", "An operator's credit status: grade, score, listing, each deduction with its rule and legal basis")
        {
            uscc,
            asOf,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(uscc)!, parse.GetValue(asOf))));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string uscc, string? asOf)
    {
        var request = new GetCreditStatusRequest { OperatorId = uscc };
        if (asOf is not null)
        {
            request.AsOf = Times.TryParse(asOf, out var instant)
                ? Timestamp.FromDateTimeOffset(instant)
                : throw new UsageException($"--as-of '{asOf}' is not a date (2025-03-14) or date-time (2025-03-14T09:30, 2025-03-14T01:30:00Z)");
        }

        using var connection = context.Connect("platform");
        var client = new CreditService.CreditServiceClient(connection.Invoker);
        var response = await client.GetCreditStatusAsync(request, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else
        {
            CreditReport.Write(context.Output.Console, response.Status);
        }

        return ExitCodes.Ok;
    }
}
