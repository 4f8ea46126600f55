using System.Net;
using System.Net.Sockets;

namespace WangJian.Credit.Server.Webhooks;

/// <summary>
/// Keeps webhooks from reaching into the server's own network (server-side request forgery): a URL must be
/// https and every address its host resolves to public; with <see cref="WebhookOptions.AllowLoopback"/>
/// also http and loopback. Checked when a webhook is created and again at each connection
/// (<see cref="WebhookSender"/> connects only to an address checked here), so a name that later resolves
/// to a private address (DNS rebinding) is refused too.
/// </summary>
public sealed class UrlGuard(WebhookOptions options)
{
    /// <summary>Null when the URL may be used; else why not.</summary>
    public async Task<string?> CheckAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "url must be an absolute https:// URL";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "url must not carry credentials";
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.IdnHost, ct);
        }
        catch (SocketException e)
        {
            return $"host {uri.Host} does not resolve ({e.SocketErrorCode})";
        }

        if (CheckAddresses(uri.Host, addresses) is { } refused)
        {
            return refused;
        }

        if (uri.Scheme == "http" && !(options.AllowLoopback && addresses.All(IPAddress.IsLoopback)))
        {
            return "url must be https (http only to a loopback receiver, with Webhooks:AllowLoopback)";
        }

        return null;
    }

    /// <summary>Null when every address may be connected to.</summary>
    public string? CheckAddresses(string host, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return $"host {host} has no address";
        }

        foreach (var a in addresses)
        {
            if (IPAddress.IsLoopback(a) ? !options.AllowLoopback : !IsPublic(a))
            {
                return $"host {host} resolves to {a}, which is not a public address";
            }
        }

        return null;
    }

    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);

    /// <summary>Globally routable unicast: not private, loopback, link-local (cloud metadata), CGNAT, multicast, reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            // Global unicast is 2000::/3; excludes ::, ::1, fc00::/7 (unique local), fe80::/10, ff00::/8 and
            // the documentation prefix 2001:db8::/32.
            return (b[0] & 0xE0) == 0x20 && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
        }

        return false;
    }
}
