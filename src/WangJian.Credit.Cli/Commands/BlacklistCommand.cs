using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit blacklist</c>: every operator on the list now, all pages.</summary>
public static class BlacklistCommand
{
    public static Command Create(Binder bind)
    {
        var pageSize = new Option<int>("--page-size") { Description = "Entries per call (1–1,000)", DefaultValueFactory = _ => 500 };
        var command = new Command("blacklist", "Operators on the serious illegal and dishonest list (严重违法失信名单) now, oldest listing first")
        {
            pageSize,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(pageSize))));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, int pageSize)
    {
        using var connection = context.Connect("platform");
        var client = new CreditService.CreditServiceClient(connection.Invoker);
        var all = new ListBlacklistResponse();
        var token = string.Empty;
        do
        {
            var page = await client.ListBlacklistAsync(
                new ListBlacklistRequest { PageSize = pageSize, PageToken = token },
                deadline: connection.Deadline,
                cancellationToken: context.CancellationToken);
            all.Entries.AddRange(page.Entries);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        if (context.Output.Json)
        {
            context.Output.WriteJson(all);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (all.Entries.Count == 0)
        {
            console.WriteLine("Nobody is on the list.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Operator", "Listed at", "Expires at", "Rules");
        foreach (var e in all.Entries)
        {
            table.AddRow(
                Markup.Escape(e.OperatorId),
                Markup.Escape(Times.Format(e.ListedAt)),
                Markup.Escape(Times.Format(e.ExpiresAt)),
                Markup.Escape(string.Join(", ", e.Rules)));
        }

        console.Write(table);
        console.WriteLine($"{all.Entries.Count} operator(s) listed.");
        return ExitCodes.Ok;
    }
}
