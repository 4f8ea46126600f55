namespace WangJian.Credit.Abstractions;

/// <summary>
/// Marks a call that changes durable state. On a grain method: calling it writes the store. On an RPC
/// method: the request pipeline answers it only after the commit barrier, so an acknowledged write is on
/// disk (the RPC itself does not await the barrier). A test walks every RPC's calls and fails when one
/// reaches a write without this mark.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class WritesAttribute : Attribute;
