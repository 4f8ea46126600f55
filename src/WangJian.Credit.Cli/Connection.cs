using System.Net.Http;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace WangJian.Credit.Cli;

/// <summary>What the global options say about where and as whom to call.</summary>
public sealed record ConnectionSettings(string Server, string? Token, string? TokenFile, string? Role, TimeSpan Timeout);

/// <summary>One channel to the server with the caller's bearer token on every call.</summary>
public sealed class Connection : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public const string DefaultTokenFile = "data/dev-tokens.json";

    private readonly GrpcChannel channel;

    private readonly TimeProvider time;

    private Connection(GrpcChannel channel, CallInvoker invoker, TimeSpan timeout, TimeProvider time)
    {
        this.channel = channel;
        this.time = time;
        Invoker = invoker;
        Timeout = timeout;
    }

    public CallInvoker Invoker { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The deadline of one unary call.</summary>
    public DateTime Deadline => time.GetUtcNow().UtcDateTime + Timeout;

    /// <summary>
    /// Opens the channel. The token is, in order: <c>--token</c>; the <c>--as</c> entry of an explicit
    /// <c>--token-file</c>; <c>WJCREDIT_TOKEN</c>; the <c>--as</c> entry of <c>./data/dev-tokens.json</c> when it
    /// exists; none (the server then answers UNAUTHENTICATED). <paramref name="defaultRole"/> is the command's
    /// role when <c>--as</c> is not given.
    /// </summary>
    public static Connection Open(ConnectionSettings settings, string defaultRole, TimeProvider? time = null)
    {
        if (!Uri.TryCreate(settings.Server, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--server must be an http:// or https:// address, got '{settings.Server}'");
        }

        var token = ResolveToken(settings, defaultRole);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            },
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        var invoker = token is null
            ? channel.CreateCallInvoker()
            : channel.Intercept(metadata =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return metadata;
            });
        return new Connection(channel, invoker, settings.Timeout, time ?? TimeProvider.System);
    }

    public static string? ResolveToken(ConnectionSettings settings, string defaultRole)
    {
        if (!string.IsNullOrWhiteSpace(settings.Token))
        {
            return settings.Token.Trim();
        }

        if (settings.TokenFile is { } explicitFile)
        {
            return FromFile(explicitFile, settings.Role ?? defaultRole);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("WJCREDIT_TOKEN");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        return File.Exists(DefaultTokenFile) ? FromFile(DefaultTokenFile, settings.Role ?? defaultRole) : null;
    }

    private static string FromFile(string path, string role)
    {
        Dictionary<string, string>? tokens;
        try
        {
            tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UsageException($"cannot read the token file {path}: {e.Message}");
        }

        if (tokens is null || tokens.Count == 0)
        {
            throw new UsageException($"the token file {path} holds no tokens");
        }

        if (tokens.TryGetValue(role, out var token))
        {
            return token;
        }

        // Agency codes are upper case in the file; accept --as agency:ndrc as well.
        var match = tokens.FirstOrDefault(t => string.Equals(t.Key, role, StringComparison.OrdinalIgnoreCase));
        return match.Value ?? throw new UsageException(
            $"the token file {path} has no token for '{role}'; it has: {string.Join(", ", tokens.Keys.Order(StringComparer.Ordinal))}");
    }

    public void Dispose() => channel.Dispose();
}
