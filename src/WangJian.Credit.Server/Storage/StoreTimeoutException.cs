namespace WangJian.Credit.Server.Storage;

/// <summary>The store did not answer (or confirm a commit) within <c>Storage:OperationTimeoutMs</c>.</summary>
public sealed class StoreTimeoutException(string message) : TimeoutException(message);
