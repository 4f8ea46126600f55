using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary>A credit status as a person reads it: the verdict first, then every number that explains it.</summary>
public static class CreditReport
{
    public static void Write(IAnsiConsole console, CreditStatus status)
    {
        var gradeColour = status.Grade switch
        {
            Grade.A => "green",
            Grade.B => "yellow",
            Grade.C => "darkorange",
            _ => "red",
        };

        var head = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        head.AddRow("[bold]Operator[/]", Markup.Escape(status.OperatorId));
        head.AddRow("[bold]As of[/]", Markup.Escape(Times.Format(status.AsOf)));
        head.AddRow("[bold]Grade[/]", $"[bold {gradeColour}]{Names.Of(status.Grade)}[/]");
        head.AddRow("[bold]Score[/]", $"{Names.Points(status.Score)} / 100");
        head.AddRow("[bold]Blacklisted[/]", status.Blacklisted ? "[bold red]yes[/] (严重违法失信名单)" : "no");
        if (status.Listing is { } listing && status.Blacklisted)
        {
            head.AddRow("[bold]Listed at[/]", Markup.Escape(Times.Format(listing.ListedAt)));
            head.AddRow("[bold]Expires at[/]", Markup.Escape(Times.Format(listing.ExpiresAt)));
            head.AddRow("[bold]Repairable from[/]", Markup.Escape(Times.Format(listing.RepairableFrom)));
            head.AddRow("[bold]Listing rules[/]", Markup.Escape(string.Join(", ", listing.Triggers.Select(t => t.Rule).Distinct())));
        }

        head.AddRow("[bold]Next change[/]", status.NextChangeTime is null
            ? "none: the status changes only with a new record or decision"
            : Markup.Escape(Times.Format(status.NextChangeTime)));
        head.AddRow("[bold]Policy[/]", Markup.Escape(status.PolicyVersion));
        console.Write(head);

        if (status.Blacklisted && status.Listing is { Triggers.Count: > 0 } withTriggers)
        {
            console.WriteLine();
            var triggers = new Table().Title("Listing triggers").AddColumns("Trigger time", "Rule", "Violations");
            foreach (var t in withTriggers.Triggers)
            {
                triggers.AddRow(Markup.Escape(Times.Format(t.TriggerTime)), Markup.Escape(t.Rule), Markup.Escape(string.Join(", ", t.ViolationIds)));
            }

            console.Write(triggers);
        }

        if (status.PlatformMeasures.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Platform measures[/] " + Markup.Escape(string.Join("; ", status.PlatformMeasures)));
        }

        console.WriteLine();
        if (status.Deductions.Count == 0)
        {
            console.WriteLine("No deductions.");
            return;
        }

        var table = new Table()
            .Title($"Deductions ({status.Deductions.Count}, {Names.Points(status.Deductions.Sum(d => d.Points))} points)")
            .AddColumns("#", "Decision", "Offense", "Calculation", "Points", "Rule", "Legal basis");
        var n = 0;
        foreach (var d in status.Deductions)
        {
            n++;
            var calculation = $"({Names.Points(d.BasePoints)} + {Names.Points(d.HeavierPoints)}) × repeat {Names.Points(d.RepeatMultiplier)}"
                + (d.RepeatOrdinal > 0 ? $" (#{d.RepeatOrdinal})" : string.Empty)
                + $" × health {Names.Points(d.HealthMultiplier)} × age {Names.Points(d.AgeWeight)}";
            var rules = d.RulesApplied.Count > 0 && !(d.RulesApplied.Count == 1 && d.RulesApplied[0] == d.Rule)
                ? $"{d.Rule}\n{string.Join("\n", d.RulesApplied.Where(r => r != d.Rule).Select(r => "+ " + r))}"
                : d.Rule;
            table.AddRow(
                n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape($"{d.DecisionNumber}\n{d.AuthorityCode} · {Times.FormatDate(d.DecidedAt)}"),
                Markup.Escape($"{d.OffenseCode}\n{d.Family} · {Names.Of(d.Severity)}"),
                Markup.Escape(calculation),
                $"[bold]{Names.Points(d.Points)}[/]",
                Markup.Escape(rules),
                Markup.Escape(d.LegalBasis));
        }

        console.Write(table);
    }
}
