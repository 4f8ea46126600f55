using System.Text.Json;
using Orleans.Storage;
using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Grain state as System.Text.Json: readable with redis-cli, and tolerant of fields added later,
/// which matters for a history that must be kept for years.
/// </summary>
public sealed class DomainJsonGrainStorageSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, DomainSerialization.Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, DomainSerialization.Options)
        ?? throw new InvalidOperationException($"stored {typeof(T).Name} is null");
}
