using Grpc.Core;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

public sealed partial class RegulatorGrpcService
{
    /// <summary>Rows being recorded at once: enough to keep the silo busy, few enough to bound memory.</summary>
    public const int ImportWindow = 64;

    /// <summary>Rejected rows listed in the response; the counts stay exact beyond it.</summary>
    public const int MaxRejectedRows = 10_000;

    /// <summary>
    /// Streams rows through a window of at most <see cref="ImportWindow"/> grain calls, consumed in stream
    /// order so counts and rejections come out in order. Rows of one operator are chained one after the
    /// other, so they are applied in stream order (a repeat later in the stream is a duplicate, not a race);
    /// rows of different operators run side by side. A bad row is reported and skipped; a store failure
    /// ends the call with UNAVAILABLE, and what was recorded before it stays recorded.
    /// </summary>
    public override async Task<ImportViolationsResponse> ImportViolations(IAsyncStreamReader<ImportViolationsRequest> requestStream, ServerCallContext context)
    {
        var by = Caller.Name(context);
        var response = new ImportViolationsResponse();
        var window = new Queue<(long Index, string? Operator, Task<RowResult> Result)>(ImportWindow);
        // The last row in the window of each operator; at most one entry per row in the window.
        var lastOfOperator = new Dictionary<string, Task<RowResult>>(StringComparer.Ordinal);

        void Consume((long Index, string? Operator, Task<RowResult> Result) row)
        {
            if (row.Operator is not null && lastOfOperator.TryGetValue(row.Operator, out var last) && last == row.Result)
            {
                lastOfOperator.Remove(row.Operator);
            }

            // GetResult rethrows a failed row's exception (store down) as is, for the ErrorInterceptor to map.
            var result = row.Result.GetAwaiter().GetResult();
            switch (result.Kind)
            {
                case RowKind.Created:
                    response.Created++;
                    break;
                case RowKind.Duplicate:
                    response.Duplicate++;
                    break;
                default:
                    response.Rejected++;
                    if (response.RejectedRows.Count < MaxRejectedRows)
                    {
                        var rejected = new RejectedRow { Index = row.Index, Code = result.Code, Reason = result.Reason };
                        rejected.Fields.AddRange(result.Fields);
                        response.RejectedRows.Add(rejected);
                    }
                    else
                    {
                        response.RejectedTruncated = true;
                    }

                    break;
            }
        }

        try
        {
            long index = 0;
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var i = index++;
                response.Received++;
                var (draft, rejection) = ValidateRow(requestStream.Current);
                if (draft is null)
                {
                    window.Enqueue((i, null, Task.FromResult(rejection!)));
                }
                else
                {
                    lastOfOperator.TryGetValue(draft.OperatorId, out var previous);
                    var task = RecordRowAsync(previous, draft, by);
                    lastOfOperator[draft.OperatorId] = task;
                    window.Enqueue((i, draft.OperatorId, task));
                }

                // Finished rows leave at once; a full window waits for its oldest row.
                while (window.Count > 0 && (window.Peek().Result.IsCompleted || window.Count >= ImportWindow))
                {
                    var head = window.Peek();
                    if (!head.Result.IsCompleted)
                    {
                        await ((Task)head.Result).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }

                    Consume(window.Dequeue());
                }
            }

            while (window.Count > 0)
            {
                await ((Task)window.Peek().Result).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                Consume(window.Dequeue());
            }

            // The counts acknowledge every created row: all of them on disk first.
            await durable.WaitAsync();
        }
        catch
        {
            // Let the rows still in flight finish (they may be recorded; a retry then sees duplicates)
            // before the call ends, so nothing runs on behind a closed call.
            foreach (var row in window)
            {
                await ((Task)row.Result).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            throw;
        }

        return response;
    }

    /// <summary>The same validation as RecordViolation; a missing row body is a rejected row too.</summary>
    private (ViolationDraft? Draft, RowResult? Rejection) ValidateRow(ImportViolationsRequest row)
    {
        if (row.Violation is null)
        {
            return (null, RowResult.Invalid([new("violation", "violation is required: each row carries one decision to record")]));
        }

        var errors = new List<Domain.FieldViolation>();
        var draft = ProtoMapper.ToDraft(row.Violation, errors);
        var (valid, validationErrors) = draft.Validate(policy, time.GetUtcNow());
        errors.AddRange(validationErrors);
        return errors.Count > 0 || valid is null ? (null, RowResult.Invalid(errors)) : (valid, null);
    }

    private async Task<RowResult> RecordRowAsync(Task<RowResult>? previous, ViolationDraft draft, string by)
    {
        if (previous is not null)
        {
            // Only the order matters here; a failure of the previous row is reported by the previous row.
            await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var outcome = await grains.GetGrain<IOperatorGrain>(draft.OperatorId).RecordViolationAsync(draft, by);
        if (outcome.Error is { } error)
        {
            var status = GrpcErrors.FromCommand(error).Status;
            return new RowResult(RowKind.Rejected, CodeName(status.StatusCode), status.Detail, []);
        }

        return outcome.Created ? RowResult.CreatedRow : RowResult.DuplicateRow;
    }

    /// <summary>The canonical gRPC code name (ALREADY_EXISTS), as other languages print it.</summary>
    private static string CodeName(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        _ => string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant(),
    };

    private enum RowKind
    {
        Created,
        Duplicate,
        Rejected,
    }

    private sealed record RowResult(RowKind Kind, string Code, string Reason, IReadOnlyList<string> Fields)
    {
        public static readonly RowResult CreatedRow = new(RowKind.Created, string.Empty, string.Empty, []);

        public static readonly RowResult DuplicateRow = new(RowKind.Duplicate, string.Empty, string.Empty, []);

        public static RowResult Invalid(IReadOnlyList<Domain.FieldViolation> errors) => new(
            RowKind.Rejected,
            CodeName(StatusCode.InvalidArgument),
            GrpcErrors.InvalidArgument(errors).Status.Detail,
            errors.Select(e => e.Field).Distinct(StringComparer.Ordinal).ToArray());
    }
}
