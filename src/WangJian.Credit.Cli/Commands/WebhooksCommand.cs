using System.CommandLine;
using Spectre.Console;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Commands;

/// <summary><c>wjcredit webhooks create|list|deliveries|redeliver|delete</c>: the calling platform's webhooks.</summary>
public static class WebhooksCommand
{
    public static Command Create(Binder bind)
    {
        var url = new Argument<string>("URL") { Description = "https URL that receives the events (POST, Standard Webhooks signatures)" };
        var events = new Option<string[]>("--event") { Description = "Only these event types (credit.grade_changed, credit.listed, credit.delisted); repeatable", AllowMultipleArgumentsPerToken = true };
        var sellersOnly = new Option<bool>("--sellers-only") { Description = "Only changes of the platform's watchlist" };
        var create = new Command("create", "Register a webhook; prints its id and its secret (shown once)") { url, events, sellersOnly };
        create.SetAction(bind((context, parse) => CreateAsync(context, parse.GetValue(url)!, parse.GetValue(events) ?? [], parse.GetValue(sellersOnly))));

        var list = new Command("list", "The platform's webhooks and where delivery stands");
        list.SetAction(bind((context, _) => ListAsync(context)));

        var id = new Argument<string>("WEBHOOK_ID");
        var limit = new Option<int>("--limit") { Description = "At most this many attempts (1–1,000)", DefaultValueFactory = _ => 50 };
        var deliveries = new Command("deliveries", "A webhook's delivery attempts, newest first") { id, limit };
        deliveries.SetAction(bind((context, parse) => DeliveriesAsync(context, parse.GetValue(id)!, parse.GetValue(limit))));

        var from = new Option<string?>("--from") { Description = "Deliver again from this event id (evt_…) on; default: resume where it stopped (re-enables a disabled webhook)" };
        var redeliverId = new Argument<string>("WEBHOOK_ID");
        var redeliver = new Command("redeliver", "Deliver again from an event, or resume a disabled webhook") { redeliverId, from };
        redeliver.SetAction(bind((context, parse) => RedeliverAsync(context, parse.GetValue(redeliverId)!, parse.GetValue(from))));

        var deleteId = new Argument<string>("WEBHOOK_ID");
        var delete = new Command("delete", "Delete a webhook") { deleteId };
        delete.SetAction(bind((context, parse) => DeleteAsync(context, parse.GetValue(deleteId)!)));

        return new Command("webhooks", "The platform's webhooks (PlatformService)") { create, list, deliveries, redeliver, delete };
    }

    private static async Task<int> CreateAsync(CommandContext context, string url, string[] events, bool sellersOnly)
    {
        using var connection = context.Connect("platform");
        var response = await Client(connection).CreateWebhookAsync(
            new CreateWebhookRequest { Url = url, Events = { events }, SellersOnly = sellersOnly }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var console = context.Output.Console;
        console.WriteLine($"Webhook   {response.Webhook.WebhookId}");
        console.WriteLine($"URL       {response.Webhook.Url}");
        console.WriteLine($"Events    {(response.Webhook.Events.Count == 0 ? "all" : string.Join(", ", response.Webhook.Events))}{(response.Webhook.SellersOnly ? ", watchlist only" : string.Empty)}");
        console.WriteLine($"Secret    {response.Secret}");
        console.WriteLine("Keep the secret: it is shown only now (rotate it with RotateWebhookSecret).");
        return ExitCodes.Ok;
    }

    private static async Task<int> ListAsync(CommandContext context)
    {
        using var connection = context.Connect("platform");
        var response = await Client(connection).ListWebhooksAsync(new ListWebhooksRequest(), deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        if (response.Webhooks.Count == 0)
        {
            context.Output.Console.WriteLine("No webhooks.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Id", "URL", "Events", "State", "Delivered / queued", "Last error");
        foreach (var w in response.Webhooks)
        {
            var state = !w.Enabled ? "disabled: " + w.DisabledReason
                : w.FailingSince is not null ? "failing since " + Times.Format(w.FailingSince)
                : "ok";
            table.AddRow(
                Markup.Escape(w.WebhookId),
                Markup.Escape(w.Url),
                Markup.Escape((w.Events.Count == 0 ? "all" : string.Join(", ", w.Events)) + (w.SellersOnly ? " (watchlist)" : string.Empty)),
                Markup.Escape(state),
                $"{w.Delivered} / {w.Queued}",
                Markup.Escape(w.LastError));
        }

        context.Output.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> DeliveriesAsync(CommandContext context, string id, int limit)
    {
        using var connection = context.Connect("platform");
        var response = await Client(connection).ListWebhookDeliveriesAsync(
            new ListWebhookDeliveriesRequest { WebhookId = id, PageSize = limit }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Time", "Event", "#", "Attempt", "Result", "ms");
        foreach (var d in response.Deliveries)
        {
            table.AddRow(
                Markup.Escape(Times.Format(d.AttemptTime)),
                Markup.Escape(d.EventId),
                d.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                d.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(d.Succeeded ? $"HTTP {d.HttpStatus}" : d.Error),
                d.DurationMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Output.Console.Write(table);
        context.Output.Console.WriteLine($"{response.Deliveries.Count} attempt(s).");
        return ExitCodes.Ok;
    }

    private static async Task<int> RedeliverAsync(CommandContext context, string id, string? from)
    {
        using var connection = context.Connect("platform");
        var response = await Client(connection).RedeliverWebhookAsync(
            new RedeliverWebhookRequest { WebhookId = id, EventId = from ?? string.Empty }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else
        {
            context.Output.Console.WriteLine($"Webhook {id}: delivering again from {(from is null ? "where it stopped" : from)} ({response.Webhook.Delivered} of {response.Webhook.Queued} delivered so far).");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> DeleteAsync(CommandContext context, string id)
    {
        using var connection = context.Connect("platform");
        await Client(connection).DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = id }, deadline: connection.Deadline, cancellationToken: context.CancellationToken);
        context.Output.Console.WriteLine($"Webhook {id} deleted.");
        return ExitCodes.Ok;
    }

    private static PlatformService.PlatformServiceClient Client(Connection connection) => new(connection.Invoker);
}
