using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

public sealed partial class RegulatorGrpcService
{
    /// <summary>
    /// Rows read before they are recorded: rows of one operator within a chunk become one grain call and one
    /// write. Bounds memory (a row is ~1 KB in flight) while giving the grouping room to work when the rows of
    /// an operator are spread through the file.
    /// </summary>
    public const int ImportChunk = 20_000;

    /// <summary>Operators being recorded at once within a chunk: enough to keep the silo busy.</summary>
    public const int ImportParallelism = 64;

    /// <summary>Rejected rows listed in the response; the counts stay exact beyond it.</summary>
    public const int MaxRejectedRows = 10_000;

    /// <summary>
    /// Reads the stream in chunks of <see cref="ImportChunk"/> rows. Each row is validated as it arrives; the
    /// valid rows of a chunk are grouped by operator, in stream order, and each group is recorded by its
    /// operator grain in one call (<see cref="IOperatorGrain.RecordViolationsAsync"/>), up to
    /// <see cref="ImportParallelism"/> operators at a time. Chunks run one after the other, so the rows of an
    /// operator are applied in stream order (a repeat later in the stream is a duplicate, not a race), and
    /// the results are tallied in row order. A bad row is reported and skipped; a store failure ends the
    /// call with UNAVAILABLE once the groups in flight have finished, and what was recorded stays recorded.
    /// </summary>
    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
    public override async Task<ImportViolationsResponse> ImportViolations(IAsyncStreamReader<ImportViolationsRequest> requestStream, ServerCallContext context)
    {
        var by = Caller.Name(context);
        var scope = Caller.Scope(context);
        var access = AccessFeature.Of(context);
        var response = new ImportViolationsResponse();
        var chunk = new List<(ViolationDraft? Draft, RowResult? Rejection)>(ImportChunk);
        long received = 0;
        long firstIndex = 0;
        // The previous chunk is recorded while the next one is read and validated; a chunk starts only when
        // the one before it has finished, which keeps each operator's rows in stream order.
        Task recording = Task.CompletedTask;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                received++;
                var row = ValidateRow(requestStream.Current, scope, by);
                if (row.Draft is { } valid)
                {
                    access?.Concerns(valid.OperatorId);
                }

                chunk.Add(row);
                if (chunk.Count == ImportChunk)
                {
                    await recording;
                    recording = RecordChunkAsync(chunk, firstIndex, by, response, context.CancellationToken);
                    firstIndex += chunk.Count;
                    chunk = new List<(ViolationDraft? Draft, RowResult? Rejection)>(ImportChunk);
                }
            }

            await recording;
            await RecordChunkAsync(chunk, firstIndex, by, response, context.CancellationToken);
        }
        catch
        {
            // Nothing may run on behind a closed call.
            await recording.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        response.Received = received;
        return response;
    }

    private async Task RecordChunkAsync(List<(ViolationDraft? Draft, RowResult? Rejection)> chunk, long firstIndex, string by, ImportViolationsResponse response, CancellationToken cancellationToken)
    {
        var results = new RowResult[chunk.Count];
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < chunk.Count; i++)
        {
            if (chunk[i].Draft is { } draft)
            {
                if (!groups.TryGetValue(draft.OperatorId, out var rows))
                {
                    groups[draft.OperatorId] = rows = [];
                }

                rows.Add(i);
            }
            else
            {
                results[i] = chunk[i].Rejection!;
            }
        }

        // Parallel.ForEachAsync lets the groups in flight finish before it rethrows a failure (store down),
        // so nothing runs on behind a closed call; the exception reaches the ErrorInterceptor as is.
        var options = new ParallelOptions { MaxDegreeOfParallelism = ImportParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(groups, options, async (group, _) =>
        {
            var drafts = group.Value.Select(i => chunk[i].Draft!).ToArray();
            var outcomes = await grains.Operator(group.Key).RecordViolationsAsync(drafts, by);
            for (var k = 0; k < outcomes.Count; k++)
            {
                results[group.Value[k]] = ToRow(outcomes[k]);
            }
        });

        for (var i = 0; i < results.Length; i++)
        {
            Tally(response, firstIndex + i, results[i]);
        }
    }

    private static void Tally(ImportViolationsResponse response, long index, RowResult result)
    {
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
                    var rejected = new RejectedRow { Index = index, Code = result.Code, Reason = result.Reason };
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

    /// <summary>
    /// The same validation as RecordViolation, then the caller's scope; a missing row body is a rejected row
    /// too, and a row of an authority outside the scope is rejected as PERMISSION_DENIED.
    /// </summary>
    private (ViolationDraft? Draft, RowResult? Rejection) ValidateRow(ImportViolationsRequest row, AuthorityScope scope, string by)
    {
        if (row.Violation is null)
        {
            return (null, RowResult.Invalid([new("violation", "violation is required: each row carries one decision to record")]));
        }

        var errors = new List<Domain.FieldViolation>();
        var draft = ProtoMapper.ToDraft(row.Violation, errors);
        var (valid, validationErrors) = draft.Validate(versions.At(time.GetUtcNow()), time.GetUtcNow());
        errors.AddRange(validationErrors);
        if (errors.Count > 0 || valid is null)
        {
            return (null, RowResult.Invalid(errors));
        }

        return scope.Covers(valid.AuthorityCode)
            ? (valid, null)
            : (null, new RowResult(RowKind.Rejected, GrpcErrors.CodeName(StatusCode.PermissionDenied), Caller.OutOfScope(by, scope, [valid.AuthorityCode], $"recording decision {valid.DecisionNumber}"), ["authority_code"]));
    }

    private static RowResult ToRow(RecordOutcome outcome)
    {
        if (outcome.Error is { } error)
        {
            var status = GrpcErrors.FromCommand(error).Status;
            return new RowResult(RowKind.Rejected, GrpcErrors.CodeName(status.StatusCode), status.Detail, []);
        }

        return outcome.Created ? RowResult.CreatedRow : RowResult.DuplicateRow;
    }

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
            GrpcErrors.CodeName(StatusCode.InvalidArgument),
            GrpcErrors.InvalidArgument(errors).Status.Detail,
            errors.Select(e => e.Field).Distinct(StringComparer.Ordinal).ToArray());
    }
}
