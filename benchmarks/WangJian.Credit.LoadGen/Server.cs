using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;

namespace WangJian.Credit.LoadGen;

/// <summary>One channel to the server and the bearer tokens of its dev-tokens.json.</summary>
public sealed class Server : IDisposable
{
    private readonly Dictionary<string, string> tokens;

    public Server(string address, string tokenFile)
    {
        tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(tokenFile))
            ?? throw new InvalidOperationException($"{tokenFile} is empty");
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }

    public GrpcChannel Channel { get; }

    public string Token(string role) => tokens.TryGetValue(role, out var t) ? t : throw new InvalidOperationException($"no token '{role}' in the token file");

    public Metadata As(string role) => new() { { "authorization", "Bearer " + Token(role) } };

    public void Dispose() => Channel.Dispose();
}
