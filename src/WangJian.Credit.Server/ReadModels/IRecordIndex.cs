namespace WangJian.Credit.Server.ReadModels;

/// <summary>Which operators have a record at all (the durable index the operator store keeps in the script of its first write).</summary>
public interface IRecordIndex
{
    /// <summary>False until the index is known to hold every operator with a record (a store written before it is backfilled at start).</summary>
    bool Complete { get; }

    /// <summary>Whether each of <paramref name="operatorIds"/> has a record, in one store round trip.</summary>
    Task<bool[]> HaveRecordsAsync(IReadOnlyList<string> operatorIds);
}
