using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Spectre.Console;
using Spectre.Console.Rendering;
using WangJian.Credit.Cli.Csv;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit import FILE.csv</c>: streams the file's rows to RegulatorService.ImportViolations in one call,
/// then writes every rejected row, with its line number and reason, to a CSV beside the input.
/// </summary>
public static class ImportCommand
{
    /// <summary>Code of a row rejected before sending (in the rejected-rows file; the server never uses it).</summary>
    public const string ParseErrorCode = "PARSE_ERROR";

    public static readonly IReadOnlyList<string> RejectedColumns = ["index", "line", "code", "reason", "fields"];

    public static Command Create(Binder bind)
    {
        var file = new Argument<FileInfo>("FILE") { Description = $"UTF-8 CSV with the header {ViolationCsv.Header}" };
        var rejectedOut = new Option<FileInfo?>("--rejected-out") { Description = "Where to write the rejected rows (default FILE.rejected.csv)" };
        var command = new Command("import", "Import penalty decisions from a CSV file (role regulator); exit code 7 when some rows were rejected")
        {
            file,
            rejectedOut,
        };
        command.SetAction(bind((context, parse) => RunAsync(context, parse.GetValue(file)!, parse.GetValue(rejectedOut))));
        return command;
    }

    public static string DefaultRejectedPath(string file) =>
        file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? file[..^4] + ".rejected.csv" : file + ".rejected.csv";

    private static async Task<int> RunAsync(CommandContext context, FileInfo file, FileInfo? rejectedOut)
    {
        if (!file.Exists)
        {
            throw new UsageException($"no such file: {file.FullName}");
        }

        var rejectedPath = rejectedOut?.FullName ?? DefaultRejectedPath(file.FullName);
        var output = context.Output;
        using var connection = context.Connect("regulator");
        var client = new RegulatorService.RegulatorServiceClient(connection.Invoker);

        var run = new ImportRun(file);
        var stopwatch = Stopwatch.StartNew();
        ImportViolationsResponse response;
        var progressConsole = output.Json ? output.Error : output.Console;
        if (progressConsole.Profile.Capabilities.Interactive)
        {
            response = await progressConsole.Progress()
                .AutoClear(false)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new RowsPerSecondColumn(),
                    new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(Markup.Escape(file.Name), maxValue: Math.Max(1, file.Length));
                    return await run.SendAsync(
                        client,
                        context.CancellationToken,
                        (rows, bytes) =>
                        {
                            task.State.Update<double>(RowsPerSecondColumn.RowsKey, _ => rows);
                            task.Value = bytes;
                        },
                        () =>
                        {
                            // Every row is on its way; the server may still be recording the last window of them.
                            task.Value = task.MaxValue;
                            task.Description = Markup.Escape(file.Name) + " [grey](sent; waiting for the server)[/]";
                            task.StopTask();
                        });
                });
        }
        else
        {
            response = await run.SendAsync(client, context.CancellationToken, static (_, _) => { }, static () => { });
        }

        stopwatch.Stop();
        var rejections = run.Rejections(response);
        if (rejections.Count > 0)
        {
            WriteRejected(file, rejectedPath, rejections, run.Header);
        }

        if (output.Json)
        {
            var json = JsonNode.Parse(Output.ToJson(response))!.AsObject();
            json["rowsRead"] = run.RowsRead;
            json["localRejected"] = run.Local.Count;
            json["localRejectedRows"] = new JsonArray(run.Local.Select(l => (JsonNode)new JsonObject
            {
                ["line"] = l.Line,
                ["reason"] = l.Reason,
                ["fields"] = new JsonArray(l.Fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            }).ToArray());
            json["rejectedFile"] = rejections.Count > 0 ? rejectedPath : null;
            await output.Writer.WriteLineAsync(json.ToJsonString());
        }
        else
        {
            WriteSummary(output.Console, file, response, run, stopwatch.Elapsed, rejections.Count > 0 ? rejectedPath : null);
        }

        if (response.Received != run.Sent)
        {
            await output.ErrorWriter.WriteLineAsync($"wjcredit: warning: sent {run.Sent} rows but the server counted {response.Received}");
        }

        return response.Rejected + run.Local.Count > 0 ? ExitCodes.ImportRejectedRows : ExitCodes.Ok;
    }

    private static void WriteSummary(IAnsiConsole console, FileInfo file, ImportViolationsResponse response, ImportRun run, TimeSpan elapsed, string? rejectedPath)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        console.MarkupLine(
            $"[bold]Imported {Markup.Escape(file.Name)}[/] in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s "
            + $"({(run.RowsRead / seconds).ToString("0", CultureInfo.InvariantCulture)} rows/s)");
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().RightAligned());
        grid.AddRow("rows read", run.RowsRead.ToString(CultureInfo.InvariantCulture));
        grid.AddRow("received", response.Received.ToString(CultureInfo.InvariantCulture));
        grid.AddRow("created", $"[green]{response.Created}[/]");
        grid.AddRow("duplicate", response.Duplicate.ToString(CultureInfo.InvariantCulture));
        grid.AddRow("rejected", response.Rejected > 0 ? $"[red]{response.Rejected}[/]" : "0");
        grid.AddRow("not sent (parse errors)", run.Local.Count > 0 ? $"[red]{run.Local.Count}[/]" : "0");
        console.Write(grid);
        if (response.RejectedTruncated)
        {
            console.MarkupLine($"[yellow]The server listed only the first {response.RejectedRows.Count} rejected rows; the counts are exact.[/]");
        }

        if (rejectedPath is not null)
        {
            console.MarkupLine($"Rejected rows written to [bold]{Markup.Escape(rejectedPath)}[/]");
        }
        else
        {
            console.WriteLine("No rejected rows.");
        }
    }

    private static void WriteRejected(FileInfo file, string path, IReadOnlyList<Rejection> rejections, IReadOnlyList<string> header)
    {
        // The rejected rows' own fields come from a second read, so memory stays flat for any file size.
        var wanted = rejections.Where(r => r.Fields is null).Select(r => r.Line).ToHashSet();
        var rows = new Dictionary<long, IReadOnlyList<string>>();
        if (wanted.Count > 0)
        {
            using var reader = new StreamReader(file.FullName, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true);
            foreach (var record in new CsvReader(reader).ReadAll().Skip(1))
            {
                if (wanted.Contains(record.Line))
                {
                    rows[record.Line] = record.Fields;
                }
            }
        }

        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var csv = new CsvWriter(writer);
        csv.WriteRecord(RejectedColumns.Concat(header));
        foreach (var r in rejections.OrderBy(r => r.Line))
        {
            var fields = r.Fields ?? rows.GetValueOrDefault(r.Line) ?? [];
            csv.WriteRecord(new[]
            {
                r.Index?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                r.Line.ToString(CultureInfo.InvariantCulture),
                r.Code,
                r.Reason,
                string.Join('|', r.FieldNames),
            }.Concat(fields));
        }
    }

    /// <summary>One rejected row for the rejected-rows file. <see cref="Index"/> is null for a row never sent.</summary>
    private sealed record Rejection(long? Index, long Line, string Code, string Reason, IReadOnlyList<string> FieldNames, IReadOnlyList<string>? Fields);

    /// <summary>A row rejected locally, with its own fields.</summary>
    private sealed record LocalRow(long Line, string Reason, IReadOnlyList<string> Fields, IReadOnlyList<string> Row);

    /// <summary>The state of one import: which line each sent row came from, and what was rejected locally.</summary>
    private sealed class ImportRun(FileInfo file)
    {
        private readonly List<long> lineOfIndex = [];

        public List<LocalRow> Local { get; } = [];

        public IReadOnlyList<string> Header { get; private set; } = ViolationCsv.Columns;

        public long RowsRead { get; private set; }

        public long Sent => lineOfIndex.Count;

        public async Task<ImportViolationsResponse> SendAsync(
            RegulatorService.RegulatorServiceClient client, CancellationToken ct, Action<long, long> progress, Action sent)
        {
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
            var csv = new CsvReader(reader);
            int[] positions;
            try
            {
                var header = csv.Read() ?? throw new UsageException($"{file.Name} is empty: the first line must be the header {ViolationCsv.Header}");
                positions = ViolationCsv.MapHeader(header.Fields);
                Header = header.Fields.Select((h, i) => i == 0 ? h.TrimStart('\uFEFF').Trim() : h.Trim()).ToArray();
            }
            catch (DecoderFallbackException)
            {
                throw new UsageException(NotUtf8(file.Name));
            }

            using var call = client.ImportViolations(cancellationToken: ct);
            try
            {
                var lastProgress = Stopwatch.GetTimestamp();
                while (true)
                {
                    CsvRecord? record;
                    try
                    {
                        record = csv.Read();
                    }
                    catch (DecoderFallbackException)
                    {
                        // What was sent may be recorded already: a re-run after fixing the file reports it as duplicates.
                        throw new UsageException(NotUtf8(file.Name) + $"; {Sent} rows were sent before it and may have been recorded (a re-run reports them as duplicates)");
                    }

                    if (record is null)
                    {
                        break;
                    }

                    RowsRead++;
                    var (request, rejection) = ViolationCsv.Map(record, positions);
                    if (request is null)
                    {
                        Local.Add(new LocalRow(record.Line, rejection!.Reason, rejection.Fields, record.Fields));
                    }
                    else
                    {
                        lineOfIndex.Add(record.Line);
                        await call.RequestStream.WriteAsync(new ImportViolationsRequest { Violation = request }, ct);
                    }

                    if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromMilliseconds(100))
                    {
                        progress(RowsRead, stream.Position);
                        lastProgress = Stopwatch.GetTimestamp();
                    }
                }

                progress(RowsRead, stream.Length);
                await call.RequestStream.CompleteAsync();
                sent();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // A write fails once the server has ended the call; its status says why.
                await call.ResponseAsync;
                throw;
            }

            return await call.ResponseAsync;
        }

        public IReadOnlyList<Rejection> Rejections(ImportViolationsResponse response)
        {
            var all = new List<Rejection>(response.RejectedRows.Count + Local.Count);
            foreach (var r in response.RejectedRows)
            {
                var line = r.Index >= 0 && r.Index < lineOfIndex.Count ? lineOfIndex[(int)r.Index] : 0;
                all.Add(new Rejection(r.Index, line, r.Code, r.Reason, r.Fields, null));
            }

            all.AddRange(Local.Select(l => new Rejection(null, l.Line, ParseErrorCode, l.Reason, l.Fields, l.Row)));
            return all;
        }

        private static string NotUtf8(string name) =>
            $"{name} is not valid UTF-8: save it as UTF-8 (a spreadsheet's 'CSV UTF-8'), not GBK";
    }

    /// <summary>Rows sent per second since the start, beside the byte-based bar and ETA.</summary>
    private sealed class RowsPerSecondColumn : ProgressColumn
    {
        public const string RowsKey = "rows";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var rows = task.State.Get<double>(RowsKey);
            var seconds = task.ElapsedTime?.TotalSeconds ?? 0;
            var rate = seconds > 0 ? rows / seconds : 0;
            return new Text($"{rows.ToString("0", CultureInfo.InvariantCulture)} rows, {rate.ToString("0", CultureInfo.InvariantCulture)} rows/s");
        }
    }
}
