using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Web;

/// <summary>
/// The console's cookie keys (ASP.NET Core data protection) in the store, one list: every server of a
/// cluster reads the same keys, so a session cookie from one server is valid at the others, and a
/// restart keeps sessions. The embedded store is the same Redis protocol, so one implementation serves both.
/// </summary>
public sealed class RedisKeyRing(IConnectionMultiplexer redis) : IXmlRepository
{
    public const string Key = "wj:console:keys";

    public IReadOnlyCollection<XElement> GetAllElements() =>
        redis.GetDatabase().ListRange(Key).Select(v => XElement.Parse(v.ToString())).ToArray();

    public void StoreElement(XElement element, string friendlyName) =>
        redis.GetDatabase().ListRightPush(Key, element.ToString(SaveOptions.DisableFormatting));
}
