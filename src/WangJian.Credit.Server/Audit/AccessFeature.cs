using Grpc.Core;

namespace WangJian.Credit.Server.Audit;

/// <summary>
/// What the access record of the current call will say it concerned: the operator ids of its request, as
/// sent, for a batch every one of them. Filled from the unary request message before authorization (so a
/// refused call names them too), and by the services for streamed rows and approvals.
/// </summary>
public sealed class AccessFeature
{
    /// <summary>Most operator ids one record lists (a batch is at most 1,000; an import may name more).</summary>
    public const int MaxOperatorIds = 10_000;

    private readonly List<string> ids = [];
    private HashSet<string>? seen;

    public IReadOnlyList<string> OperatorIds => ids;

    /// <summary>True when the call concerned more operators than <see cref="OperatorIds"/> lists.</summary>
    public bool Truncated { get; private set; }

    /// <summary>The feature of a call, or null when the access log is off.</summary>
    public static AccessFeature? Of(ServerCallContext context) => context.GetHttpContext().Features.Get<AccessFeature>();

    /// <summary>Notes an operator the call concerned (once, however often it is named).</summary>
    public void Concerns(string operatorId)
    {
        if (operatorId.Length == 0)
        {
            return;
        }

        // Most calls name one operator: a set only once there are several to tell apart.
        if (seen is null && ids.Count < 16)
        {
            if (ids.Contains(operatorId, StringComparer.Ordinal))
            {
                return;
            }
        }
        else
        {
            seen ??= new HashSet<string>(ids, StringComparer.Ordinal);
            if (!seen.Add(operatorId))
            {
                return;
            }
        }

        if (ids.Count < MaxOperatorIds)
        {
            ids.Add(operatorId);
        }
        else
        {
            Truncated = true;
        }
    }
}
