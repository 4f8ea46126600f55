using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit file USCC</c>: an operator's own credit file with its path to repair (role operator).</summary>
public static class FileCommand
{
    public static Command Create(Binder bind)
    {
        var uscc = new Argument<string>("USCC") { Description = "Your own unified social credit code (the one your token is bound to)" };
        var command = new Command("file", "Your credit file as an operator: status, history, measures in force, open applications, and the path to repair") { uscc };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(uscc)!)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string uscc)
    {
        using var connection = context.Connect("operator");
        var client = new OperatorService.OperatorServiceClient(connection.Invoker);
        var file = await client.GetCreditFileAsync(new GetCreditFileRequest { OperatorId = uscc }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(file);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        CreditReport.Write(console, file.Status);
        console.WriteLine();
        console.WriteLine($"History: {file.Violations.Count} decision(s); {file.Measures.Count} agency measure(s) in force; {file.OpenApplications.Count} open application(s)");
        foreach (var a in file.OpenApplications)
        {
            console.WriteLine($"  {a.ApplicationId}  {ApplicationsCommand.Target(a)}  {Names.Of(a.State)}, due {Times.Format(a.DueTime)}{(a.Overdue ? " (OVERDUE)" : string.Empty)}");
        }

        console.WriteLine();
        if (file.Path.Count == 0)
        {
            console.WriteLine("Path to repair: nothing ahead; the record no longer changes by itself.");
            return ExitCodes.Ok;
        }

        var table = new Table().Title("Path to repair").AddColumns("When", "What happens", "Score", "Grade", "Listed");
        foreach (var s in file.Path)
        {
            var what = s.Description + (s.MeasuresLifted.Count > 0 ? $" ({s.MeasuresLifted.Count} measures lift)" : string.Empty);
            table.AddRow(
                Markup.Escape(Times.FormatDate(s.StepTime)),
                Markup.Escape(what),
                Names.Points(s.Score),
                Names.Of(s.Grade),
                s.Blacklisted ? "yes" : "no");
        }

        console.Write(table);
        return ExitCodes.Ok;
    }
}
