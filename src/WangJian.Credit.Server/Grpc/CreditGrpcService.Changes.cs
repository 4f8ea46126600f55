using System.Globalization;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Grpc;

/// <summary>The blacklist and the change feed, both read from the store's indexes, not from grains.</summary>
public sealed partial class CreditGrpcService
{
    private const int FeedBatch = 256;
    private static readonly TimeSpan FeedPoll = TimeSpan.FromSeconds(1);

    [Authorize(Roles = Roles.CreditFeeds)]
    public override async Task<ListBlacklistResponse> ListBlacklist(ListBlacklistRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 100, 1000, errors);
        var after = DecodeBlacklistToken(request.PageToken, errors);
        RequestFields.ThrowIfAny(errors);

        var (items, next) = await blacklist.PageBlacklistAsync(after, size);
        var response = new ListBlacklistResponse();
        foreach (var item in items)
        {
            var entry = new BlacklistEntry { OperatorId = item.OperatorId, ListedAt = ProtoMapper.ToTimestamp(item.ListedAt) };
            if (item.ExpiresAt is { } expires)
            {
                entry.ExpiresAt = ProtoMapper.ToTimestamp(expires);
            }

            entry.Rules.AddRange(item.Rules);
            response.Entries.Add(entry);
        }

        if (next is { } n)
        {
            response.NextPageToken = PageTokens.Wrap(PageTokenKind.Blacklist, $"{n.Score.ToString(CultureInfo.InvariantCulture)}:{n.Member}");
        }

        return response;
    }

    [Authorize(Roles = Roles.CreditFeeds)]
    public override async Task WatchCreditChanges(WatchCreditChangesRequest request, IServerStreamWriter<WatchCreditChangesResponse> responseStream, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        string? view = null;
        if (request.SellersOnly)
        {
            // The caller's view of the feed: only its watchlist's sellers, with its own gap-free numbers.
            var http = context.GetHttpContext();
            if (!http.User.IsInRole(Roles.Platform))
            {
                throw GrpcErrors.PermissionDenied("sellers_only watches the caller's seller watchlist: only platform principals have one");
            }

            var platform = Caller.Name(context);
            view = ChangeViews.PlatformView(platform);
            await views.EnsureAsync(view, new ViewSpec(platform, SellersOnly: true, Events: []));
        }

        var prefix = view is null ? GlobalCursor : SellersCursor;
        var head = view is null ? await changes.HeadAsync() : await views.HeadAsync(view);
        long cursor;
        if (request.Cursor.Length > 0)
        {
            cursor = DecodeCursor(request.Cursor, prefix, head, errors);
        }
        else
        {
            cursor = request.FromBeginning ? 0 : head;
        }

        RequestFields.ThrowIfAny(errors);
        var ct = context.CancellationToken;
        while (!ct.IsCancellationRequested)
        {
            // Take the wake-up signal before reading, so a change published in between is not slept through.
            var wake = notifier.WaitAsync(FeedPoll, ct);
            IReadOnlyList<(long Cursor, SequencedChange Change)> batch;
            if (view is null)
            {
                batch = (await changes.ReadAsync(cursor, FeedBatch)).Select(c => (c.Sequence, c)).ToList();
            }
            else
            {
                var entries = await views.ReadAsync(view, cursor, FeedBatch);
                var found = await changes.GetAsync(entries.Select(e => e.Global).ToList());
                batch = entries.Zip(found, (e, c) => (e.Sequence, c)).ToList();
            }

            foreach (var (sequence, change) in batch)
            {
                await responseStream.WriteAsync(ToProto(prefix + sequence.ToString(CultureInfo.InvariantCulture), change.Change), ct);
                cursor = sequence;
            }

            if (batch.Count < FeedBatch)
            {
                await wake;
            }
        }
    }

    /// <summary>The webhook event of a change: the same message as the watch sends, with the view's cursor.</summary>
    public static WatchCreditChangesResponse ToProto(string cursor, CreditChange c) => new()
    {
        Cursor = cursor,
        OperatorId = c.OperatorId,
        ChangeTime = ProtoMapper.ToTimestamp(c.At),
        Cause = c.Cause switch
        {
            Domain.ChangeCause.Recorded => V1.ChangeCause.Recorded,
            Domain.ChangeCause.Revoked => V1.ChangeCause.Revoked,
            Domain.ChangeCause.Repaired => V1.ChangeCause.Repaired,
            Domain.ChangeCause.Time => V1.ChangeCause.Time,
            Domain.ChangeCause.Policy => V1.ChangeCause.Policy,
            _ => V1.ChangeCause.Unspecified,
        },
        PreviousGrade = ProtoMapper.ToProto(c.Previous.Grade),
        Grade = ProtoMapper.ToProto(c.Current.Grade),
        PreviousScore = (double)c.Previous.Score,
        Score = (double)c.Current.Score,
        WasBlacklisted = c.Previous.Blacklisted,
        Blacklisted = c.Current.Blacklisted,
    };

    /// <summary>Cursors of the global feed.</summary>
    private const string GlobalCursor = "c1.";

    /// <summary>Cursors of a platform's sellers-only view (numbered apart from the global feed).</summary>
    private const string SellersCursor = "s1.";

    private static long DecodeCursor(string cursor, string prefix, long head, List<Domain.FieldViolation> errors)
    {
        if (!cursor.StartsWith(prefix, StringComparison.Ordinal) || !long.TryParse(cursor.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            errors.Add(new("cursor", prefix == SellersCursor
                ? "cursor is not one of a sellers_only watch (s1.…); a cursor of the full feed does not apply to this view"
                : "cursor is not one this server issued for the full feed (c1.…)"));
            return 0;
        }

        if (n > head)
        {
            errors.Add(new("cursor", $"cursor {cursor} is ahead of this feed (head {prefix}{head}): it comes from another deployment"));
        }

        return n;
    }

    private static (long Score, string Member)? DecodeBlacklistToken(string token, List<Domain.FieldViolation> errors)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var parts = PageTokens.Unwrap(token, PageTokenKind.Blacklist)?.Split(':', 2);
        if (parts is [var s, var member] && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var score) && Uscc.TryParse(member, out _, out _))
        {
            return (score, member);
        }

        errors.Add(new("page_token", PageTokens.Invalid));
        return null;
    }
}
