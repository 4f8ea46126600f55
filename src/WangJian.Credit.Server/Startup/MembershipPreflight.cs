using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Startup;

/// <summary>
/// Refuses a silo whose endpoint (advertised address and silo port) a live member of the cluster already
/// has. On one machine the exclusive port check finds the other process; across machines (two hosts
/// advertising one address) only the membership table does. A new silo with the endpoint of a live one
/// would declare it dead (Orleans treats it as its own older generation) and both would serve the same
/// operators for a while: the split brain this check prevents.
/// </summary>
public static class MembershipPreflight
{
    /// <summary>Orleans' SiloStatus values for a silo that is (or may still be) serving.</summary>
    private static readonly HashSet<string> LiveStatuses = ["Joining", "Active", "ShuttingDown", "Stopping", "2", "3", "4", "5"];

    public static async Task RequireEndpointFreeAsync(IDatabase db, RedisKey membershipKey, IPEndPoint endpoint, TimeSpan connectTimeout)
    {
        var entries = await db.HashGetAllAsync(membershipKey);
        foreach (var member in LiveMembersAt(entries.Select(e => ((string)e.Name!, (string?)e.Value)), endpoint))
        {
            if (await AnswersAsync(endpoint, connectTimeout))
            {
                throw new StartupException(
                    $"silo endpoint {endpoint} belongs to live cluster member {member}; give this server its own Orleans:SiloPort or Orleans:AdvertisedIp",
                    "Orleans:SiloPort");
            }
        }
    }

    /// <summary>
    /// The members of a membership table (field = Orleans' silo address <c>S{ip}:{port}:{generation}</c>,
    /// value = the entry as JSON) at <paramref name="endpoint"/> whose status is live.
    /// </summary>
    public static IEnumerable<string> LiveMembersAt(IEnumerable<(string Field, string? Json)> entries, IPEndPoint endpoint)
    {
        var prefix = $"S{endpoint.Address}:{endpoint.Port}:";
        foreach (var (field, json) in entries)
        {
            if (!field.StartsWith(prefix, StringComparison.Ordinal) || json is null)
            {
                continue;
            }

            string? status;
            try
            {
                using var doc = JsonDocument.Parse(json);
                status = doc.RootElement.TryGetProperty("Status", out var s) ? s.ToString() : null;
            }
            catch (JsonException)
            {
                continue;
            }

            if (status is not null && LiveStatuses.Contains(status))
            {
                yield return field;
            }
        }
    }

    private static async Task<bool> AnswersAsync(IPEndPoint endpoint, TimeSpan timeout)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync(endpoint, cancel.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
