using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit check USCC --matter M</c>: an agency's pre-approval check (应查必查).</summary>
public static class CheckCommand
{
    public static Command Create(Binder bind)
    {
        var uscc = new Argument<string>("USCC") { Description = "The operator's unified social credit code" };
        var matter = new Option<string>("--matter")
        {
            Description = "The approval matter: GOV_PROCUREMENT, GOV_FUNDING, BOND_ISSUANCE, HONORS, …",
            Required = true,
        };
        var command = new Command(
            "check",
            "Pre-approval check as an agency (default --as agency:SAMR): ALLOW, ENHANCED_REVIEW or PROHIBIT, exit code 0 for each")
        {
            uscc,
            matter,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(uscc)!, parse.GetValue(matter)!)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string uscc, string matter)
    {
        using var connection = context.Connect("agency:SAMR");
        var client = new AgencyService.AgencyServiceClient(connection.Invoker);
        var response = await client.CheckOperatorAsync(
            new CheckOperatorRequest { OperatorId = uscc, Matter = matter },
            deadline: connection.Deadline,
            cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        var colour = response.Decision switch
        {
            CheckDecision.Allow => "green",
            CheckDecision.EnhancedReview => "yellow",
            _ => "red",
        };
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("[bold]Decision[/]", $"[bold {colour}]{Names.Of(response.Decision)}[/]");
        grid.AddRow("[bold]Operator[/]", Markup.Escape(uscc));
        grid.AddRow("[bold]Matter[/]", Markup.Escape(matter));
        if (response.Status is { } status)
        {
            grid.AddRow("[bold]Credit[/]", Markup.Escape(
                $"grade {Names.Of(status.Grade)}, score {Names.Points(status.Score)}{(status.Blacklisted ? ", blacklisted" : string.Empty)} (policy {status.PolicyVersion})"));
        }

        grid.AddRow("[bold]Check id[/]", Markup.Escape(response.CheckId));
        grid.AddRow("[bold]Checked at[/]", Markup.Escape(Times.Format(response.CheckTime)));
        console.Write(grid);

        if (response.Measures.Count > 0)
        {
            console.WriteLine();
            var table = new Table().Title("Measures").AddColumns("Agency", "Measure", "Effect", "Description", "Legal basis");
            foreach (var m in response.Measures)
            {
                table.AddRow(
                    Markup.Escape(m.AgencyCode),
                    Markup.Escape(m.MeasureCode),
                    Markup.Escape(Names.Of(m.Effect)),
                    Markup.Escape(m.Description),
                    Markup.Escape(m.LegalBasis));
            }

            console.Write(table);
        }

        return ExitCodes.Ok;
    }
}
