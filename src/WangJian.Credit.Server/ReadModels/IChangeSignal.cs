namespace WangJian.Credit.Server.ReadModels;

/// <summary>Wakes feed readers when any server publishes a change; readers also poll, so a lost wake-up only delays.</summary>
public interface IChangeSignal
{
    /// <summary>Completes at the next published change, or after <paramref name="timeout"/>.</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken ct);
}
