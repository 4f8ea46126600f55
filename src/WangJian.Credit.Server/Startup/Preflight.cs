using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Startup;

/// <summary>
/// Checks made before anything starts listening, so that a bad setting or a taken port is one clear line
/// instead of a stack trace from deep inside Kestrel, Orleans or StackExchange.Redis.
/// </summary>
public static class Preflight
{
    /// <summary>Every URL of <c>Urls</c> is an absolute http(s) URL with a valid port.</summary>
    public static IReadOnlyList<Uri> ParseUrls(string? urls, string setting)
    {
        var list = new List<Uri>();
        foreach (var raw in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel accepts the wildcards * and + as hosts; Uri does not parse them.
            var parsable = raw.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new StartupException($"'{raw}' is not an http:// or https:// URL with a port from 0 to 65535", setting);
            }

            list.Add(uri);
        }

        return list;
    }

    /// <summary>The address a listener on this host would bind for <paramref name="host"/>, if it is one.</summary>
    public static IPAddress? ListenAddress(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : null,
    };

    /// <summary>The port is not held by another process (a listener that shares ports would not notice it).</summary>
    public static void RequirePortFree(IPAddress address, int port, string what, string setting)
    {
        if (port is < 0 or > 65535)
        {
            throw new StartupException($"{what} {port} is not a port from 0 to 65535", setting);
        }

        if (port == 0)
        {
            return;
        }

        try
        {
            // A plain exclusive bind: Orleans' listener sets SO_REUSEPORT, so a second silo would otherwise
            // bind the same port beside the first and share (and steal) its cluster traffic.
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new StartupException($"{what} {address}:{port} is in use by another process", setting, e);
        }
        catch (SocketException e)
        {
            throw new StartupException($"{what} {address}:{port} cannot be used: {e.Message}", setting, e);
        }
    }

    /// <summary>A StackExchange.Redis connection string that names at least one valid endpoint.</summary>
    public static ConfigurationOptions ParseRedis(string connectionString, string setting)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or RedisConnectionException)
        {
            throw new StartupException($"'{Redacted(connectionString)}' is not a Redis connection string: {e.Message}", setting, e);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new StartupException($"'{Redacted(connectionString)}' names no Redis endpoint (host:port)", setting);
        }

        foreach (var endpoint in options.EndPoints)
        {
            var (host, port) = endpoint switch
            {
                DnsEndPoint d => (d.Host, d.Port),
                IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                _ => ("", 0),
            };
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown || port is < 1 or > 65535)
            {
                throw new StartupException($"'{Redacted(connectionString)}' has an invalid endpoint '{host}:{port}'", setting);
            }
        }

        return options;
    }

    /// <summary>Connects and PINGs once, naming what went wrong (unreachable, refused password, TLS).</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, string setting, TimeSpan timeout)
    {
        var log = new StringWriter();
        ConnectionMultiplexer? redis = null;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(options, log);
            await redis.GetDatabase().PingAsync().WaitAsync(timeout);
            return redis;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or SocketException or System.Security.Authentication.AuthenticationException or IOException)
        {
            redis?.Dispose();
            var endpoints = string.Join(", ", options.EndPoints.Select(EndPointCollection.ToString));
            throw new StartupException($"the store at {endpoints} did not answer: {Reason(e, log.ToString(), !string.IsNullOrEmpty(options.Password))}", setting, e);
        }
    }

    private static string Reason(Exception e, string connectLog, bool hasPassword)
    {
        var text = e.ToString() + connectLog;
        if (text.Contains("WRONGPASS", StringComparison.OrdinalIgnoreCase) || text.Contains("NOAUTH", StringComparison.OrdinalIgnoreCase)
            || text.Contains("invalid password", StringComparison.OrdinalIgnoreCase) || text.Contains("AuthenticationFailure", StringComparison.Ordinal))
        {
            return hasPassword ? "the password (or user) was refused" : "the store requires a password (password=… in the connection string)";
        }

        if (e is System.Security.Authentication.AuthenticationException || text.Contains("SSL", StringComparison.Ordinal) || text.Contains("TLS", StringComparison.Ordinal))
        {
            return "the TLS handshake failed (ssl=true against a server without TLS, or an untrusted certificate)";
        }

        if (text.Contains("refused", StringComparison.OrdinalIgnoreCase))
        {
            return "connection refused (is the store running there?)";
        }

        return e is TimeoutException ? "no answer in time" : FirstLine(e.Message);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>The connection string without its password, for messages and logs.</summary>
    private static string Redacted(string connectionString) => string.Join(',', connectionString.Split(',').Select(part =>
        part.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : part));
}
