using System.Net.Sockets;
using System.Text;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>Raw RESP on a socket: what a local user without the store's client library sees.</summary>
public static class Resp
{
    /// <summary>Sends RESP commands on one fresh connection and returns what came back.</summary>
    public static async Task<string> SendAsync(int port, params string[][] commands)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var request = new StringBuilder();
        foreach (var command in commands)
        {
            request.Append('*').Append(command.Length).Append("\r\n");
            foreach (var part in command)
            {
                request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
            }
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (reply.ToString().Split("\r\n").Length - 1 < commands.Length)
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                break;
            }

            reply.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return reply.ToString();
    }
}
