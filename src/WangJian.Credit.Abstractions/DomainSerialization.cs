using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Serialization;

namespace WangJian.Credit.Abstractions;

/// <summary>
/// The domain stays free of Orleans (docs/architecture.md), so its records cross grain calls and reach storage
/// as System.Text.Json: one set of options for both, readable in Redis, tolerant of added fields.
/// </summary>
public static class DomainSerialization
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static bool IsDomainType(Type type) => type.Namespace == "WangJian.Credit.Domain";

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    /// <summary>Lets Orleans carry the domain records in grain calls and state (silo and client alike).</summary>
    public static ISerializerBuilder AddCreditDomainTypes(this ISerializerBuilder builder) =>
        builder.AddJsonSerializer(IsDomainType, Options);
}
