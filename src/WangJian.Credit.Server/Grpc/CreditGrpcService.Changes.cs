using System.Globalization;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

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

        var (items, next) = await changes.PageBlacklistAsync(after, size);
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
            response.NextPageToken = PageTokens.Wrap("b1", $"{n.Score.ToString(CultureInfo.InvariantCulture)}:{n.Member}");
        }

        return response;
    }

    [Authorize(Roles = Roles.CreditFeeds)]
    public override async Task WatchCreditChanges(WatchCreditChangesRequest request, IServerStreamWriter<WatchCreditChangesResponse> responseStream, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var head = await changes.HeadAsync();
        long cursor;
        if (request.Cursor.Length > 0)
        {
            cursor = DecodeCursor(request.Cursor, head, errors);
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
            var batch = await changes.ReadAsync(cursor, FeedBatch);
            foreach (var (sequence, change) in batch)
            {
                await responseStream.WriteAsync(ToProto(sequence, change), ct);
                cursor = sequence;
            }

            if (batch.Count < FeedBatch)
            {
                await wake;
            }
        }
    }

    private static WatchCreditChangesResponse ToProto(long sequence, CreditChange c) => new()
    {
        Cursor = EncodeCursor(sequence),
        OperatorId = c.OperatorId,
        ChangeTime = ProtoMapper.ToTimestamp(c.At),
        Cause = c.Cause switch
        {
            Domain.ChangeCause.Recorded => V1.ChangeCause.Recorded,
            Domain.ChangeCause.Revoked => V1.ChangeCause.Revoked,
            Domain.ChangeCause.Repaired => V1.ChangeCause.Repaired,
            Domain.ChangeCause.Time => V1.ChangeCause.Time,
            _ => V1.ChangeCause.Unspecified,
        },
        PreviousGrade = ProtoMapper.ToProto(c.Previous.Grade),
        Grade = ProtoMapper.ToProto(c.Current.Grade),
        PreviousScore = (double)c.Previous.Score,
        Score = (double)c.Current.Score,
        WasBlacklisted = c.Previous.Blacklisted,
        Blacklisted = c.Current.Blacklisted,
    };

    private static string EncodeCursor(long sequence) => "c1." + sequence.ToString(CultureInfo.InvariantCulture);

    private static long DecodeCursor(string cursor, long head, List<Domain.FieldViolation> errors)
    {
        if (!cursor.StartsWith("c1.", StringComparison.Ordinal) || !long.TryParse(cursor.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            errors.Add(new("cursor", "cursor is not one this server issued"));
            return 0;
        }

        if (n > head)
        {
            errors.Add(new("cursor", $"cursor {cursor} is ahead of this feed (head c1.{head}): it comes from another deployment"));
        }

        return n;
    }

    private static (long Score, string Member)? DecodeBlacklistToken(string token, List<Domain.FieldViolation> errors)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var parts = PageTokens.Unwrap(token, "b1")?.Split(':', 2);
        if (parts is [var s, var member] && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var score) && Uscc.TryParse(member, out _, out _))
        {
            return (score, member);
        }

        errors.Add(new("page_token", PageTokens.Invalid));
        return null;
    }
}
