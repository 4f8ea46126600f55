using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Server.ReadModels;

/// <summary>Where answered checks are written. The check is stored before it is answered: an answer the agency saw is always on file.</summary>
public interface ICheckLogWriter
{
    /// <summary>Completes when the check is stored; fails with the store's exception if it could not be.</summary>
    [Writes]
    Task AppendAsync(StoredCheck record);
}
