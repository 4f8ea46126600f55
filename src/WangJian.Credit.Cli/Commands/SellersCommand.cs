using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Google.Rpc;
using Grpc.Core;
using Spectre.Console;
using WangJian.Credit.Cli.Csv;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit sellers add FILE.csv</c> (the platform's watchlist; first column the seller's USCC, an optional
/// header) and <c>wjcredit sellers count</c>. Sends batches of <see cref="Batch"/>, several in flight; a seller
/// the server refuses is reported with its line and the rest of its batch is sent again without it.
/// </summary>
public static partial class SellersCommand
{
    public const int Batch = 10_000;
    private const int InFlight = 4;

    public static Command Create(Binder bind)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "UTF-8 CSV, the seller's USCC in the first column (a header line is skipped)" };
        var add = new Command("add", "Add the sellers of a CSV file to the calling platform's watchlist (role platform); exit code 7 when some were refused") { file };
        add.SetAction(bind((context, parse) => AddAsync(context, parse.GetValue(file)!)));
        var count = new Command("count", "How many sellers the calling platform watches");
        count.SetAction(bind((context, _) => CountAsync(context)));
        return new Command("sellers", "The platform's seller watchlist (PlatformService)") { add, count };
    }

    private static async Task<int> CountAsync(CommandContext context)
    {
        using var connection = context.Connect("platform");
        var client = new PlatformService.PlatformServiceClient(connection.Invoker);
        var response = await client.CountSellersAsync(new CountSellersRequest(), deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else
        {
            context.Output.Console.WriteLine($"{response.Count.ToString("N0", CultureInfo.InvariantCulture)} seller(s) on the watchlist");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> AddAsync(CommandContext context, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new UsageException($"no such file: {file.FullName}");
        }

        using var connection = context.Connect("platform");
        var client = new PlatformService.PlatformServiceClient(connection.Invoker);
        var run = new AddRun(client, context.CancellationToken);
        var watch = Stopwatch.StartNew();
        var progressConsole = context.Output.Json ? context.Output.Error : context.Output.Console;
        if (progressConsole.Profile.Capabilities.Interactive)
        {
            await progressConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(Markup.Escape(file.Name), maxValue: Math.Max(1, file.Length));
                    await run.SendAsync(file, bytes => task.Value = bytes);
                    task.Value = task.MaxValue;
                });
        }
        else
        {
            await run.SendAsync(file, static _ => { });
        }

        watch.Stop();
        if (context.Output.Json)
        {
            await context.Output.Writer.WriteLineAsync(
                $"{{\"read\":{run.Read},\"added\":{run.Added},\"total\":{run.Total},\"refused\":{run.Refused.Count},\"seconds\":{watch.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)}}}");
        }
        else
        {
            var console = context.Output.Console;
            console.WriteLine($"Read {run.Read:N0} sellers from {file.Name} in {watch.Elapsed.TotalSeconds:F1} s ({run.Read / Math.Max(watch.Elapsed.TotalSeconds, 0.001):N0}/s)");
            console.WriteLine($"added (new)   {run.Added,12:N0}");
            console.WriteLine($"on the list   {run.Total,12:N0}");
            console.WriteLine($"refused       {run.Refused.Count,12:N0}");
            foreach (var (line, reason) in run.Refused.Take(20))
            {
                console.WriteLine($"  line {line}: {reason}");
            }
        }

        return run.Refused.Count > 0 ? ExitCodes.ImportRejectedRows : ExitCodes.Ok;
    }

    [GeneratedRegex(@"^seller_ids\[(\d+)\]$")]
    private static partial Regex IndexedField();

    private sealed class AddRun(PlatformService.PlatformServiceClient client, CancellationToken ct)
    {
        public long Read { get; private set; }

        public long Added;

        public long Total { get; private set; }

        public List<(long Line, string Reason)> Refused { get; } = [];

        public async Task SendAsync(FileInfo file, Action<long> progress)
        {
            using var stream = file.OpenRead();
            using var text = new StreamReader(stream, Encoding.UTF8);
            var reader = new CsvReader(text);
            var inFlight = new List<Task>();
            var batch = new List<(long Line, string Id)>(Batch);
            while (reader.Read() is { } record)
            {
                var id = record.Fields[0].Trim();
                if (record.Line == 1 && !id.Any(char.IsDigit))
                {
                    continue;
                }

                if (record.Error is not null)
                {
                    lock (Refused)
                    {
                        Refused.Add((record.Line, record.Error));
                    }

                    continue;
                }

                Read++;
                batch.Add((record.Line, id));
                if (batch.Count == Batch)
                {
                    inFlight.Add(SendBatchAsync(batch));
                    batch = new List<(long, string)>(Batch);
                    if (inFlight.Count >= InFlight)
                    {
                        var done = await Task.WhenAny(inFlight);
                        inFlight.Remove(done);
                        await done;
                    }

                    progress(stream.Position);
                }
            }

            if (batch.Count > 0)
            {
                inFlight.Add(SendBatchAsync(batch));
            }

            await Task.WhenAll(inFlight);
            Refused.Sort((a, b) => a.Line.CompareTo(b.Line));
        }

        private async Task SendBatchAsync(List<(long Line, string Id)> batch)
        {
            while (batch.Count > 0)
            {
                try
                {
                    var response = await client.AddSellersAsync(new AddSellersRequest { SellerIds = { batch.Select(b => b.Id) } }, cancellationToken: ct);
                    Interlocked.Add(ref Added, response.Added);
                    lock (Refused)
                    {
                        Total = Math.Max(Total, response.Total);
                    }

                    return;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument && e.GetRpcStatus()?.GetDetail<BadRequest>() is { } bad)
                {
                    // Drop the sellers the server named and send the rest again.
                    var named = bad.FieldViolations
                        .Select(v => (Match: IndexedField().Match(v.Field), v.Description))
                        .Where(v => v.Match.Success)
                        .Select(v => (Index: int.Parse(v.Match.Groups[1].Value, CultureInfo.InvariantCulture), v.Description))
                        .ToList();
                    if (named.Count == 0)
                    {
                        throw;
                    }

                    lock (Refused)
                    {
                        Refused.AddRange(named.Select(n => (batch[n.Index].Line, $"{batch[n.Index].Id}: {n.Description}")));
                    }

                    var drop = named.Select(n => n.Index).ToHashSet();
                    batch = batch.Where((_, i) => !drop.Contains(i)).ToList();
                }
            }
        }
    }
}
