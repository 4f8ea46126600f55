using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>
/// <c>wjcredit policy list|show|validate|simulate|publish</c>: the policy versions (PolicyService). Reading,
/// validating and simulating need regulator, admin or auditor; publishing needs admin.
/// </summary>
public static class PolicyCommand
{
    private static readonly string[] States = ["A", "B", "C", "D", "LISTED"];

    public static Command Create(Binder bind)
    {
        var command = new Command("policy", "Policy versions: list, show, validate, simulate (a dry run), publish");
        command.Subcommands.Add(List(bind));
        command.Subcommands.Add(Show(bind));
        command.Subcommands.Add(Validate(bind));
        command.Subcommands.Add(Simulate(bind));
        command.Subcommands.Add(Publish(bind));
        return command;
    }

    private static Command List(Binder bind)
    {
        var command = new Command("list", "Every published version, its interval of force and its rollout");
        command.SetAction(bind((context, _) => ListAsync(context)));
        return command;
    }

    private static Command Show(Binder bind)
    {
        var version = new Argument<string>("VERSION") { Description = "The version string, e.g. 2019.1" };
        var document = new Option<bool>("--document") { Description = "Print the policy document (JSON) as published, nothing else" };
        var command = new Command("show", "One version: interval of force, rollout progress, and its document") { version, document };
        command.SetAction(bind((context, parse) => ShowAsync(context, parse.GetValue(version)!, parse.GetValue(document))));
        return command;
    }

    private static Command Validate(Binder bind)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A policy document (JSON, the shape of rules/policy/policy.json)" };
        var command = new Command("validate", "Check a policy document as the server checks its policy file; every error named by entry (exit 3 when invalid)") { file };
        command.SetAction(bind((context, parse) => ValidateAsync(context, parse.GetValue(file)!)));
        return command;
    }

    private static Command Simulate(Binder bind)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The policy document to try" };
        var asOf = new Option<string?>("--as-of") { Description = "Assess at this instant (China time unless an offset is given; default now)" };
        var checksFrom = new Option<string?>("--checks-from") { Description = "Replay stored agency checks from this instant (default 90 days before --as-of)" };
        var checksTo = new Option<string?>("--checks-to") { Description = "Replay stored agency checks up to this instant (default --as-of)" };
        var command = new Command("simulate", "What publishing the document would do, writing nothing: grade transitions, score changes, listings, notices, and past checks whose answer would differ") { file, asOf, checksFrom, checksTo };
        command.SetAction(bind((context, parse) => SimulateAsync(
            context, parse.GetValue(file)!, Instant(parse.GetValue(asOf), "--as-of"), Instant(parse.GetValue(checksFrom), "--checks-from"), Instant(parse.GetValue(checksTo), "--checks-to"))));
        return command;
    }

    private static Command Publish(Binder bind)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The policy document to publish (its version string must be new)" };
        var effective = new Option<string>("--effective") { Description = "In force from this instant, not in the past (a date alone is its 00:00 China time)", Required = true };
        var command = new Command("publish", "Publish a new version in force from --effective; a second admin approves it by default (wjcredit approvals approve)") { file, effective };
        command.SetAction(bind((context, parse) => PublishAsync(context, parse.GetValue(file)!, Instant(parse.GetValue(effective), "--effective")!.Value)));
        return command;
    }

    private static DateTimeOffset? Instant(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return Times.TryParse(text, out var t)
            ? t
            : throw new UsageException($"{option}: '{text}' is not a date (2025-03-14), a China-time date and time (2025-03-14T09:30) or an instant with an offset (2025-03-14T01:30:00Z)");
    }

    private static string ReadDocument(FileInfo file) =>
        file.Exists ? File.ReadAllText(file.FullName) : throw new UsageException($"no such file: {file.FullName}");

    private static async Task<int> ListAsync(CommandContext context)
    {
        using var connection = context.Connect("admin");
        var client = new PolicyService.PolicyServiceClient(connection.Invoker);
        var response = await client.ListPoliciesAsync(new ListPoliciesRequest(), deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Version", "In force from", "Until", "Published", "Rollout");
        foreach (var p in response.Policies)
        {
            table.AddRow(
                Markup.Escape(p.Version + (p.InForce ? " (now)" : string.Empty)),
                Markup.Escape(Times.Format(p.EffectiveFrom)),
                Markup.Escape(p.EffectiveUntil is null ? "—" : Times.Format(p.EffectiveUntil)),
                Markup.Escape($"{p.PublishedBy}\n{Times.Format(p.PublishTime)}"),
                Markup.Escape(Rollout(p.Rollout)));
        }

        context.Output.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> ShowAsync(CommandContext context, string version, bool documentOnly)
    {
        using var connection = context.Connect("admin");
        var client = new PolicyService.PolicyServiceClient(connection.Invoker);
        var response = await client.GetPolicyAsync(new GetPolicyRequest { Version = version }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        if (documentOnly)
        {
            context.Output.Writer.Write(response.Document);
            return ExitCodes.Ok;
        }

        var p = response.Policy;
        var console = context.Output.Console;
        console.WriteLine($"Policy      {p.Version}{(p.InForce ? " (in force now)" : string.Empty)}");
        console.WriteLine($"In force    {Times.Format(p.EffectiveFrom)} – {(p.EffectiveUntil is null ? "(no later version)" : Times.Format(p.EffectiveUntil))}");
        console.WriteLine($"Published   by {p.PublishedBy} at {Times.Format(p.PublishTime)}{(p.ApprovalId.Length > 0 ? $", approval {p.ApprovalId}" : string.Empty)}");
        console.WriteLine($"Rollout     {Rollout(p.Rollout).Replace('\n', ' ')}");
        console.WriteLine($"Document    {response.Document.Length.ToString("N0", CultureInfo.InvariantCulture)} characters (wjcredit policy show {p.Version} --document)");
        return ExitCodes.Ok;
    }

    private static async Task<int> ValidateAsync(CommandContext context, FileInfo file)
    {
        var document = ReadDocument(file);
        using var connection = context.Connect("admin");
        var client = new PolicyService.PolicyServiceClient(connection.Invoker);
        var response = await client.ValidatePolicyAsync(new ValidatePolicyRequest { Document = document }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else if (response.Valid)
        {
            context.Output.Console.WriteLine($"{file.Name}: valid, version {response.Version}{(response.VersionPublished ? " (already published: give it a new version string to publish it)" : string.Empty)}");
        }
        else
        {
            context.Output.Console.WriteLine($"{file.Name}: {response.Errors.Count} error(s)");
            foreach (var e in response.Errors)
            {
                context.Output.Console.WriteLine($"  {e}");
            }
        }

        return response.Valid ? ExitCodes.Ok : ExitCodes.InvalidArgument;
    }

    private static async Task<int> SimulateAsync(CommandContext context, FileInfo file, DateTimeOffset? asOf, DateTimeOffset? checksFrom, DateTimeOffset? checksTo)
    {
        var request = new SimulatePolicyRequest { Document = ReadDocument(file) };
        if (asOf is { } a)
        {
            request.AsOf = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(a);
        }

        if (checksFrom is { } f)
        {
            request.ChecksFrom = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(f);
        }

        if (checksTo is { } t)
        {
            request.ChecksTo = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(t);
        }

        using var connection = context.Connect("admin");
        var client = new PolicyService.PolicyServiceClient(connection.Invoker);
        // No deadline: a simulation over a million operators takes a while; Ctrl+C stops it.
        using var call = client.SimulatePolicy(request, cancellationToken: context.CancellationToken);
        SimulationReport? report = null;
        var progressConsole = context.Output.Json ? context.Output.Error : context.Output.Console;
        if (progressConsole.Profile.Capabilities.Interactive)
        {
            await progressConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    await foreach (var message in call.ResponseStream.ReadAllAsync(context.CancellationToken))
                    {
                        if (message.Progress is { } p)
                        {
                            if (!tasks.TryGetValue(p.Phase, out var task))
                            {
                                tasks[p.Phase] = task = progress.AddTask(Markup.Escape(p.Phase), maxValue: Math.Max(1, p.Total));
                            }

                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                        }
                        else if (message.Report is { } r)
                        {
                            report = r;
                            foreach (var task in tasks.Values)
                            {
                                task.Value = task.MaxValue;
                            }
                        }
                    }
                });
        }
        else
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(context.CancellationToken))
            {
                report = message.Report ?? report;
            }
        }

        if (report is null)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "the simulation ended without a report"));
        }

        if (context.Output.Json)
        {
            context.Output.WriteJson(report);
            return ExitCodes.Ok;
        }

        WriteReport(context.Output.Console, file.Name, report);
        return ExitCodes.Ok;
    }

    /// <summary>The report as tables and a bar chart of the transitions.</summary>
    public static void WriteReport(IAnsiConsole console, string name, SimulationReport r)
    {
        string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        console.WriteLine($"Simulation of {name}: {r.BaselineVersion} (in force) → {r.CandidateVersion}, as of {Times.Format(r.AsOf)}, {N(r.ElapsedMs)} ms");
        console.WriteLine($"Operators   {N(r.OperatorsAssessed)} assessed, {N(r.OperatorsChanged)} change grade or listing, {N(r.ScoresChanged)} change score");
        console.WriteLine($"Listing     {N(r.NewlyListedCount)} newly listed, {N(r.DelistedCount)} delisted");
        console.WriteLine();

        var matrix = new Table().Title("Grade transitions").AddColumn("before \\ after");
        foreach (var s in States)
        {
            matrix.AddColumn(new TableColumn(s).RightAligned());
        }

        foreach (var before in States)
        {
            var row = new List<string> { before };
            row.AddRange(States.Select(after => r.Transitions.FirstOrDefault(t => t.From == before && t.To == after) is { } t ? N(t.Count) : "·"));
            matrix.AddRow(row.ToArray());
        }

        console.Write(matrix);
        var moved = r.Transitions.Where(t => t.From != t.To).ToArray();
        if (moved.Length > 0)
        {
            var chart = new BarChart().Label("Operators that change, by transition").Width(Math.Min(100, console.Profile.Width));
            foreach (var t in moved.OrderByDescending(t => t.Count))
            {
                chart.AddItem($"{t.From} → {t.To}", t.Count, t.To == "LISTED" ? Color.Red : string.CompareOrdinal(t.To, t.From) > 0 ? Color.Yellow : Color.Green);
            }

            console.Write(chart);
        }
        else if (r.OperatorsChanged == 0)
        {
            console.WriteLine("No operator changes grade or listing.");
        }

        // A listed operator whose listing starts or ends at another instant changes too, in the same cell.
        var datesOnly = r.OperatorsChanged - moved.Sum(t => t.Count);
        if (datesOnly > 0)
        {
            console.WriteLine($"and {N(datesOnly)} listed operator(s) whose listing starts or ends at another instant");
        }

        console.WriteLine();
        var histogram = new Table().Title("Score changes").AddColumns("after − before", "operators");
        histogram.Columns[1].RightAligned();
        foreach (var b in r.ScoreChanges)
        {
            var label = b.MinDelta == 0 && b.MaxDelta == 0 ? "0 (unchanged)"
                : b.MinDelta <= -100 ? $"< {b.MaxDelta.ToString(CultureInfo.InvariantCulture)}"
                : b.MaxDelta >= 100 ? $"≥ +{b.MinDelta.ToString(CultureInfo.InvariantCulture)}"
                : $"{Signed(b.MinDelta)} … < {Signed(b.MaxDelta)}";
            histogram.AddRow(label, N(b.Count));
        }

        console.Write(histogram);
        if (r.NewlyListed.Count > 0 || r.Delisted.Count > 0)
        {
            var lists = new Table().Title("Listings").AddColumns("newly listed", "delisted");
            for (var i = 0; i < Math.Min(10, Math.Max(r.NewlyListed.Count, r.Delisted.Count)); i++)
            {
                lists.AddRow(i < r.NewlyListed.Count ? r.NewlyListed[i] : string.Empty, i < r.Delisted.Count ? r.Delisted[i] : string.Empty);
            }

            if (r.NewlyListedCount > 10 || r.DelistedCount > 10)
            {
                lists.AddRow($"… {N(r.NewlyListedCount)} in all", $"… {N(r.DelistedCount)} in all");
            }

            console.Write(lists);
        }

        if (r.Notices.Count > 0)
        {
            var notices = new Table().Title("Notices that would follow").AddColumns("agency", "IMPOSE", "LIFT");
            notices.Columns[1].RightAligned();
            notices.Columns[2].RightAligned();
            foreach (var n in r.Notices)
            {
                notices.AddRow(n.AgencyCode, N(n.Impose), N(n.Lift));
            }

            console.Write(notices);
        }

        var c = r.CheckReplay;
        console.WriteLine();
        console.WriteLine($"Check replay  {Times.Format(c.From)} – {Times.Format(c.To)}: {N(c.ChecksReplayed)} stored checks, {N(c.ChecksChanged)} would be answered differently");
        if (c.Flips.Count > 0)
        {
            var flips = new Table().AddColumns("agency", "matter", "then", "now", "checks");
            flips.Columns[4].RightAligned();
            foreach (var f in c.Flips)
            {
                flips.AddRow(f.AgencyCode, f.Matter, Names.Of(f.Before), Names.Of(f.After), N(f.Count));
            }

            console.Write(flips);
            var examples = new Table().Title("Examples").AddColumns("check", "operator", "agency", "matter", "checked", "then", "now");
            foreach (var e in c.Examples.Take(10))
            {
                examples.AddRow(e.CheckId, e.OperatorId, e.AgencyCode, e.Matter, Times.Format(e.CheckTime), Names.Of(e.Before), Names.Of(e.After));
            }

            console.Write(examples);
        }
    }

    private static async Task<int> PublishAsync(CommandContext context, FileInfo file, DateTimeOffset effective)
    {
        var document = ReadDocument(file);
        using var connection = context.Connect("admin");
        var client = new PolicyService.PolicyServiceClient(connection.Invoker);
        var response = await client.PublishPolicyAsync(
            new PublishPolicyRequest { Document = document, EffectiveFrom = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(effective) },
            deadline: connection.Deadline,
            cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        if (response.Approval is { } a)
        {
            console.WriteLine($"Policy {a.PolicyVersion} waits for a second admin: approval {a.ApprovalId}, expires {Times.Format(a.ExpireTime)}");
            console.WriteLine($"  wjcredit approvals approve {a.ApprovalId} --as admin-2 --reason \"…\"");
        }
        else
        {
            var p = response.Policy;
            console.WriteLine($"Policy {p.Version} published, in force from {Times.Format(p.EffectiveFrom)}; watch the rollout with: wjcredit policy show {p.Version}");
        }

        return ExitCodes.Ok;
    }

    private static string Signed(double d) => d > 0 ? "+" + d.ToString(CultureInfo.InvariantCulture) : d.ToString(CultureInfo.InvariantCulture);

    private static string Rollout(PolicyRollout r) => r.State switch
    {
        RolloutState.NotNeeded => "— (initial version)",
        RolloutState.Scheduled => "scheduled",
        RolloutState.Running => $"running: {r.OperatorsAssessed:N0} of {r.OperatorsTotal:N0}, {r.OperatorsChanged:N0} changed",
        RolloutState.Done => $"done: {r.OperatorsAssessed:N0} re-assessed, {r.OperatorsChanged:N0} changed\n{Times.Format(r.FinishTime)}",
        RolloutState.Superseded => "superseded by a later version",
        _ => "?",
    };
}
