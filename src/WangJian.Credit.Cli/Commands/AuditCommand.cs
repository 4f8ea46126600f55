using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit audit list|export</c>: the access log, who called what (role auditor or admin).</summary>
public static class AuditCommand
{
    public static Command Create(Binder bind)
    {
        var command = new Command("audit", "The access log: every call, allowed or refused (default --as auditor)");
        command.Subcommands.Add(ListCommand(bind));
        command.Subcommands.Add(ExportCommand(bind));
        return command;
    }

    /// <summary>The filter options both subcommands take.</summary>
    private sealed class FilterOptions
    {
        public Option<string?> Principal { get; } = new("--principal") { Description = "Only calls by this principal (name)" };

        public Option<string?> Operator { get; } = new("--operator") { Description = "Only calls concerning this operator (USCC)" };

        public Option<string?> Rpc { get; } = new("--rpc") { Description = "Only this rpc, e.g. GetCreditStatus" };

        public Option<string?> Status { get; } = new("--status") { Description = "Only calls that ended so: OK, PERMISSION_DENIED, …" };

        public Option<string?> From { get; } = new("--from") { Description = "From this instant: 2026-12-01 (00:00 China time), 2026-12-01T09:30, or with an offset/Z" };

        public Option<string?> Until { get; } = new("--until") { Description = "Before this instant (same forms as --from)" };

        public void AddTo(Command command)
        {
            command.Options.Add(Principal);
            command.Options.Add(Operator);
            command.Options.Add(Rpc);
            command.Options.Add(Status);
            command.Options.Add(From);
            command.Options.Add(Until);
        }

        public AccessLogFilter Read(ParseResult parse)
        {
            var filter = new AccessLogFilter
            {
                Principal = parse.GetValue(Principal) ?? string.Empty,
                OperatorId = parse.GetValue(Operator) ?? string.Empty,
                Rpc = parse.GetValue(Rpc) ?? string.Empty,
                Status = parse.GetValue(Status) ?? string.Empty,
            };
            if (Instant(parse.GetValue(From), "--from") is { } from)
            {
                filter.StartTime = from;
            }

            if (Instant(parse.GetValue(Until), "--until") is { } until)
            {
                filter.EndTime = until;
            }

            return filter;
        }

        private static Timestamp? Instant(string? text, string option) =>
            text is null ? null
            : Times.TryParse(text, out var instant) ? Timestamp.FromDateTimeOffset(instant)
            : throw new UsageException($"{option} '{text}' is not a date (2026-12-01) or date-time (2026-12-01T09:30, 2026-12-01T01:30:00Z)");
    }

    private static Command ListCommand(Binder bind)
    {
        var filter = new FilterOptions();
        var limit = new Option<int>("--limit") { Description = "At most this many records (newest first)", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "Access records newest first");
        filter.AddTo(command);
        command.Options.Add(limit);
        command.SetAction(bind((context, parse) => ListAsync(context, filter.Read(parse), parse.GetValue(limit))));
        return command;
    }

    private static Command ExportCommand(Binder bind)
    {
        var filter = new FilterOptions();
        var output = new Option<string?>("--output", "-o") { Description = "Write JSON lines to this file (default: standard output)" };
        var command = new Command("export", "Every matching access record as JSON lines (one object per record), for archiving");
        filter.AddTo(command);
        command.Options.Add(output);
        command.SetAction(bind((context, parse) => ExportAsync(context, filter.Read(parse), parse.GetValue(output))));
        return command;
    }

    private static async Task<int> ListAsync(CommandContext context, AccessLogFilter filter, int limit)
    {
        if (limit < 1)
        {
            throw new UsageException($"--limit must be at least 1, got {limit}");
        }

        using var connection = context.Connect("auditor");
        var client = new AuditService.AuditServiceClient(connection.Invoker);
        var all = new ListAccessLogResponse();
        var token = string.Empty;
        do
        {
            var page = await client.ListAccessLogAsync(
                new ListAccessLogRequest { Filter = filter, PageSize = Math.Min(limit - all.Records.Count, 1000), PageToken = token },
                deadline: connection.Deadline,
                cancellationToken: context.CancellationToken);
            all.Records.AddRange(page.Records);
            token = page.NextPageToken;
            all.NextPageToken = token;
        }
        while (token.Length > 0 && all.Records.Count < limit);

        if (context.Output.Json)
        {
            context.Output.WriteJson(all);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (all.Records.Count == 0)
        {
            console.WriteLine("No access records match.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Time", "Principal", "RPC", "Operators", "Status", "Client", "Request id");
        foreach (var r in all.Records)
        {
            var operators = r.OperatorIds.Count <= 3 ? string.Join("\n", r.OperatorIds) : $"{r.OperatorIds[0]}\n… {r.OperatorIds.Count} in all";
            table.AddRow(
                Markup.Escape(Times.Format(r.Time)),
                Markup.Escape(r.Principal.Length == 0 ? "(none)" : $"{r.Principal}\n{r.Role}"),
                Markup.Escape(r.Rpc.Replace("wangjian.credit.v1.", string.Empty, StringComparison.Ordinal)),
                Markup.Escape(operators),
                Markup.Escape(r.Status),
                Markup.Escape(r.ClientAddress),
                Markup.Escape(r.RequestId));
        }

        console.Write(table);
        if (all.NextPageToken.Length > 0)
        {
            console.WriteLine($"(first {all.Records.Count}; more with --limit or a narrower filter)");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> ExportAsync(CommandContext context, AccessLogFilter filter, string? path)
    {
        using var connection = context.Connect("auditor");
        var client = new AuditService.AuditServiceClient(connection.Invoker);
        var file = path is null ? null : new StreamWriter(path, append: false);
        var writer = file ?? context.Output.Writer;
        long count = 0;
        try
        {
            using var call = client.ExportAccessLog(new ExportAccessLogRequest { Filter = filter }, cancellationToken: context.CancellationToken);
            while (await call.ResponseStream.MoveNext(context.CancellationToken))
            {
                foreach (var record in call.ResponseStream.Current.Records)
                {
                    await writer.WriteLineAsync(Output.ToJson(record));
                    count++;
                }
            }
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }

        if (path is not null)
        {
            context.Output.Error.WriteLine($"Exported {count} access record(s) to {path}");
        }

        return ExitCodes.Ok;
    }
}
