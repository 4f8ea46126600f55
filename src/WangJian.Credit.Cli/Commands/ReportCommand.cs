using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit report USCC [--as-of DATE] [--pdf FILE]</c>: a signed special credit report (专项信用报告).</summary>
public static class ReportCommand
{
    public static Command Create(Binder bind)
    {
        var uscc = new Argument<string>("USCC") { Description = "The operator's unified social credit code (18 characters)" };
        var asOf = new Option<string?>("--as-of") { Description = "The report's instant: 2025-03-14 (00:00 China time), 2025-03-14T09:30, or with an offset/Z (default: now)" };
        var pdf = new Option<string?>("--pdf") { Description = "Write the signed PDF to this file (without it: the report's data as signed JSON is printed)" };
        var command = new Command("report", "A signed credit report of one operator: PDF with --pdf FILE, else its JSON; recorded with its number and digest") { uscc, asOf, pdf };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(uscc)!, parse.GetValue(asOf), parse.GetValue(pdf))));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string uscc, string? asOf, string? pdf)
    {
        var request = new GetCreditReportRequest { OperatorId = uscc, Format = pdf is null ? ReportFormat.Json : ReportFormat.Pdf };
        if (asOf is not null)
        {
            request.AsOf = Times.TryParse(asOf, out var instant)
                ? Timestamp.FromDateTimeOffset(instant)
                : throw new UsageException($"--as-of '{asOf}' is not a date (2025-03-14) or date-time (2025-03-14T09:30, 2025-03-14T01:30:00Z)");
        }

        using var connection = context.Connect("platform");
        var client = new CreditService.CreditServiceClient(connection.Invoker);
        var response = await client.GetCreditReportAsync(request, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (pdf is not null)
        {
            await File.WriteAllBytesAsync(pdf, response.Content.ToByteArray(), context.CancellationToken);
        }

        if (context.Output.Json)
        {
            var summary = response.Clone();
            if (pdf is not null)
            {
                summary.Content = Google.Protobuf.ByteString.Empty;
            }

            context.Output.WriteJson(summary);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (pdf is null)
        {
            context.Output.Writer.WriteLine(response.Content.ToStringUtf8());
        }

        console.WriteLine($"Report      {response.ReportNumber}, issued {Times.Format(response.IssueTime)}");
        console.WriteLine($"SHA-256     {response.Sha256}");
        console.WriteLine($"Signed by   key {response.KeyId} (ECDSA P-256)");
        if (pdf is not null)
        {
            console.WriteLine($"Written     {pdf} ({response.Content.Length:N0} bytes); check it with: wjcredit verify {pdf}");
        }

        return ExitCodes.Ok;
    }
}
