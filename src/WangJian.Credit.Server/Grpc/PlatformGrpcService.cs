using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.Webhooks;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// A platform's own seller watchlist and webhooks. Everything is scoped to the calling principal: a
/// platform never sees or touches another's lists or webhooks (another's webhook id is NOT_FOUND).
/// </summary>
[Authorize(Roles = Roles.PlatformService)]
public sealed class PlatformGrpcService(SellerLists sellers, ChangeViews views, WebhookStore webhooks, UrlGuard guard, IOptions<WebhookOptions> options, TimeProvider time)
    : PlatformService.PlatformServiceBase
{
    public const int MaxBatch = 10_000;
    private const int MaxReportedViolations = 20;

    [Writes]
    public override async Task<AddSellersResponse> AddSellers(AddSellersRequest request, ServerCallContext context)
    {
        var ids = ValidSellers(request.SellerIds);
        var platform = Caller.Name(context);
        // The sellers-only view exists from the first seller on, so changes are kept for a later watch.
        await views.EnsureAsync(ChangeViews.PlatformView(platform), new ViewSpec(platform, SellersOnly: true, Events: []));
        var (added, total) = await sellers.AddAsync(platform, ids);
        if (added < 0)
        {
            throw GrpcErrors.FailedPrecondition($"the watchlist holds {total} sellers; adding these would pass the limit of {SellerLists.MaxSellers}");
        }

        return new AddSellersResponse { Added = added, Total = total };
    }

    [Writes]
    public override async Task<RemoveSellersResponse> RemoveSellers(RemoveSellersRequest request, ServerCallContext context)
    {
        var (removed, total) = await sellers.RemoveAsync(Caller.Name(context), ValidSellers(request.SellerIds));
        return new RemoveSellersResponse { Removed = removed, Total = total };
    }

    public override async Task<ListSellersResponse> ListSellers(ListSellersRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 1000, MaxBatch, errors);
        string? after = null;
        if (request.PageToken.Length > 0)
        {
            after = PageTokens.Unwrap(request.PageToken, PageTokenKind.Sellers);
            if (after is null || !Domain.Uscc.TryParse(after, out _, out _))
            {
                errors.Add(new("page_token", PageTokens.Invalid));
            }
        }

        RequestFields.ThrowIfAny(errors);
        var page = await sellers.PageAsync(Caller.Name(context), after, size);
        var response = new ListSellersResponse { SellerIds = { page } };
        if (page.Count == size)
        {
            response.NextPageToken = PageTokens.Wrap(PageTokenKind.Sellers, page[^1]);
        }

        return response;
    }

    public override async Task<CountSellersResponse> CountSellers(CountSellersRequest request, ServerCallContext context) =>
        new() { Count = await sellers.CountAsync(Caller.Name(context)) };

    [Writes]
    public override async Task<CreateWebhookResponse> CreateWebhook(CreateWebhookRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            errors.Add(new("url", "url is required"));
        }
        else if (request.Url.Length > 2000)
        {
            errors.Add(new("url", "url is longer than 2,000 characters"));
        }
        else if (await guard.CheckAsync(request.Url, context.CancellationToken) is { } refused)
        {
            errors.Add(new("url", refused));
        }

        for (var i = 0; i < request.Events.Count; i++)
        {
            if (!ChangeViews.EventTypes.Contains(request.Events[i]))
            {
                errors.Add(new($"events[{i}]", $"'{request.Events[i]}' is not one of {string.Join(", ", ChangeViews.EventTypes)}"));
            }
        }

        RequestFields.ThrowIfAny(errors);
        var platform = Caller.Name(context);
        var existing = (await webhooks.AllAsync()).Count(w => w.Platform == platform);
        if (existing >= options.Value.MaxPerPlatform)
        {
            throw GrpcErrors.FailedPrecondition($"this platform has {existing} webhooks, the limit (Webhooks:MaxPerPlatform); delete one first");
        }

        var record = await webhooks.CreateAsync(platform, request.Url, request.Events.Distinct().ToList(), request.SellersOnly, time.GetUtcNow());
        return new CreateWebhookResponse { Webhook = await ToProtoAsync(record), Secret = record.Secret };
    }

    public override async Task<ListWebhooksResponse> ListWebhooks(ListWebhooksRequest request, ServerCallContext context)
    {
        var platform = Caller.Name(context);
        var response = new ListWebhooksResponse();
        foreach (var w in (await webhooks.AllAsync()).Where(w => w.Platform == platform))
        {
            response.Webhooks.Add(await ToProtoAsync(w));
        }

        return response;
    }

    [Writes]
    public override async Task<DeleteWebhookResponse> DeleteWebhook(DeleteWebhookRequest request, ServerCallContext context)
    {
        var hook = await OwnAsync(request.WebhookId, context);
        await webhooks.DeleteAsync(hook.Id);
        return new DeleteWebhookResponse();
    }

    [Writes]
    public override async Task<RotateWebhookSecretResponse> RotateWebhookSecret(RotateWebhookSecretRequest request, ServerCallContext context)
    {
        var hook = await OwnAsync(request.WebhookId, context) with { Secret = WebhookStore.NewSecret() };
        await webhooks.SaveAsync(hook);
        return new RotateWebhookSecretResponse { Secret = hook.Secret };
    }

    public override async Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 100, 1000, errors);
        RequestFields.ThrowIfAny(errors);
        var hook = await OwnAsync(request.WebhookId, context);
        var response = new ListWebhookDeliveriesResponse();
        foreach (var a in await webhooks.AttemptsAsync(hook.Id, size))
        {
            response.Deliveries.Add(new WebhookDelivery
            {
                EventId = a.EventId,
                Sequence = a.Sequence,
                Attempt = a.Attempt,
                AttemptTime = Timestamp.FromDateTimeOffset(a.At),
                HttpStatus = a.HttpStatus,
                Error = a.Error,
                Succeeded = a.Succeeded,
                DurationMs = a.DurationMs,
            });
        }

        return response;
    }

    [Writes]
    public override async Task<RedeliverWebhookResponse> RedeliverWebhook(RedeliverWebhookRequest request, ServerCallContext context)
    {
        var hook = await OwnAsync(request.WebhookId, context);
        var state = await webhooks.StateAsync(hook.Id);
        var from = state.Delivered;
        if (request.EventId.Length > 0)
        {
            // Event ids name the global change (evt_<n>); find its place in this webhook's queue.
            var sequence = await FindEventAsync(hook.Id, request.EventId);
            if (sequence is null)
            {
                throw GrpcErrors.InvalidArgument("event_id", $"{request.EventId} is not an event of webhook {hook.Id}");
            }

            from = sequence.Value - 1;
        }

        await webhooks.ResetAsync(hook.Id, from);
        if (!hook.Enabled)
        {
            hook = hook with { Enabled = true, DisabledReason = string.Empty };
            await webhooks.SaveAsync(hook);
        }

        return new RedeliverWebhookResponse { Webhook = await ToProtoAsync(hook) };
    }

    private async Task<long?> FindEventAsync(string id, string eventId)
    {
        if (!eventId.StartsWith("evt_", StringComparison.Ordinal) || !long.TryParse(eventId.AsSpan(4), out var global))
        {
            return null;
        }

        // Queue numbers grow with global numbers; a binary search over the queue finds the event.
        var view = ChangeViews.WebhookView(id);
        long lo = 1, hi = await views.HeadAsync(view);
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            // The first entry at or after mid (a few numbers read: a hole an old crash left is passed over).
            var at = (await views.ReadAsync(view, mid - 1, 8)).FirstOrDefault();
            if (at.Sequence == 0)
            {
                return null;
            }

            if (at.Global == global)
            {
                return at.Sequence;
            }

            if (at.Global < global)
            {
                lo = at.Sequence + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }

    private async Task<WebhookRecord> OwnAsync(string webhookId, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(webhookId))
        {
            throw GrpcErrors.InvalidArgument("webhook_id", "webhook_id is required");
        }

        var hook = await webhooks.GetAsync(webhookId);
        return hook is not null && hook.Platform == Caller.Name(context)
            ? hook
            : throw GrpcErrors.NotFound($"webhook {webhookId} not found for this platform");
    }

    private async Task<Webhook> ToProtoAsync(WebhookRecord w)
    {
        var state = await webhooks.StateAsync(w.Id);
        var proto = new Webhook
        {
            WebhookId = w.Id,
            Url = w.Url,
            Events = { w.Events },
            SellersOnly = w.SellersOnly,
            CreateTime = Timestamp.FromDateTimeOffset(w.CreatedAt),
            Enabled = w.Enabled,
            DisabledReason = w.DisabledReason,
            Queued = await webhooks.QueuedAsync(w.Id),
            Delivered = state.Delivered,
            LastError = state.LastError,
        };
        if (state.FailingSince is { } since)
        {
            proto.FailingSince = Timestamp.FromDateTimeOffset(since);
        }

        return proto;
    }

    private static List<string> ValidSellers(IReadOnlyList<string> ids)
    {
        var errors = new List<Domain.FieldViolation>();
        if (ids.Count == 0)
        {
            errors.Add(new("seller_ids", "give at least one seller_id"));
        }
        else if (ids.Count > MaxBatch)
        {
            errors.Add(new("seller_ids", $"at most {MaxBatch} seller_ids per call, got {ids.Count}"));
        }

        var valid = new List<string>(Math.Min(ids.Count, MaxBatch));
        for (var i = 0; i < Math.Min(ids.Count, MaxBatch); i++)
        {
            var before = errors.Count;
            var id = RequestFields.Operator(ids[i], $"seller_ids[{i}]", errors);
            if (errors.Count == before)
            {
                valid.Add(id);
            }
            else if (errors.Count > MaxReportedViolations)
            {
                errors.RemoveAt(errors.Count - 1);
                errors.Add(new("seller_ids", "more invalid seller_ids follow; fix these first"));
                break;
            }
        }

        RequestFields.ThrowIfAny(errors);
        return valid;
    }
}
