using System.CommandLine;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit watch</c>: every grade or listing change, one line each, until Ctrl+C. After a lost connection
/// it reconnects from the last cursor received, so nothing is missed or repeated.
/// </summary>
public static class WatchCommand
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public static Command Create(Binder bind)
    {
        var cursor = new Option<string?>("--cursor") { Description = "Continue after this change (the cursor printed with each change)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Without --cursor: replay every change ever recorded first" };
        var command = new Command("watch", "Print credit changes as they happen (one line each; --json: one JSON object per line) until Ctrl+C")
        {
            cursor,
            fromBeginning,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(cursor), parse.GetValue(fromBeginning))));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string? startCursor, bool fromBeginning)
    {
        using var connection = context.Connect("platform");
        var client = new CreditService.CreditServiceClient(connection.Invoker);
        var output = context.Output;
        var ct = context.CancellationToken;
        var cursor = startCursor ?? string.Empty;
        var connected = false;
        var backoff = TimeSpan.FromSeconds(1);
        try
        {
            while (true)
            {
                try
                {
                    var request = new WatchCreditChangesRequest { Cursor = cursor, FromBeginning = cursor.Length == 0 && fromBeginning };
                    using var call = client.WatchCreditChanges(request, cancellationToken: ct);
                    await call.ResponseHeadersAsync;
                    connected = true;
                    backoff = TimeSpan.FromSeconds(1);
                    await foreach (var change in call.ResponseStream.ReadAllAsync(ct))
                    {
                        cursor = change.Cursor;
                        if (output.Json)
                        {
                            output.WriteJson(change);
                        }
                        else
                        {
                            await output.Writer.WriteLineAsync(Line(change));
                        }

                        await output.Writer.FlushAsync(ct);
                    }

                    await output.ErrorWriter.WriteLineAsync("wjcredit: the server ended the stream; reconnecting");
                }
                catch (RpcException e) when (connected && e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown && !ct.IsCancellationRequested)
                {
                    await output.ErrorWriter.WriteLineAsync(
                        $"wjcredit: connection lost ({Errors.CodeName(e.StatusCode)}: {e.Status.Detail}); reconnecting in {backoff.TotalSeconds:0} s"
                        + (cursor.Length > 0 ? $" from cursor {cursor}" : string.Empty));
                }

                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // Ctrl+C (or SIGTERM) is how watch ends, whatever the interrupted call threw at that moment
            // (cancelled, or a transport error of the call torn down): exit 0 with the cursor to resume from.
            if (cursor.Length > 0)
            {
                await output.ErrorWriter.WriteLineAsync($"wjcredit: stopped; continue with --cursor {cursor}");
            }

            return ExitCodes.Ok;
        }
    }

    public static string Line(WatchCreditChangesResponse change)
    {
        var listing = change.WasBlacklisted == change.Blacklisted
            ? (change.Blacklisted ? "listed" : "not listed")
            : (change.Blacklisted ? "LISTED" : "DELISTED");
        return string.Join(
            "  ",
            Times.Format(change.ChangeTime),
            change.OperatorId,
            $"{Names.Of(change.PreviousGrade)}→{Names.Of(change.Grade)}",
            $"{Names.Points(change.PreviousScore)}→{Names.Points(change.Score)}",
            listing,
            Names.Of(change.Cause),
            $"cursor={change.Cursor}");
    }
}
