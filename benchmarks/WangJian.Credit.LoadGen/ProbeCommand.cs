using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>probe --url URL --body FILE [--token T]</c>: sends a body file exactly as h2load will (POST, h2c,
/// application/grpc) and fails unless the answer is grpc-status 0: h2load counts an HTTP 200 carrying a
/// gRPC error as a success, so every target is probed before it is measured.
/// </summary>
public static class ProbeCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Full URL: http://host:port/package.Service/Method", Required = true };
        var body = new Option<string>("--body") { Description = "A body file written by 'bodies'", Required = true };
        var token = new Option<string?>("--token") { Description = "Bearer token" };
        var command = new Command("probe", "Send one h2load body and check that it answers grpc-status 0") { url, body, token };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient(new SocketsHttpHandler());
            // h2c with prior knowledge, as h2load speaks it (a request's own Version wins over the client's default).
            using var request = new HttpRequestMessage(HttpMethod.Post, parse.GetValue(url))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(await File.ReadAllBytesAsync(parse.GetValue(body)!, cancellationToken)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
            if (parse.GetValue(token) is { Length: > 0 } t)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.First()
                : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : "?";
            var message = response.TrailingHeaders.TryGetValues("grpc-message", out var m) ? m.First()
                : response.Headers.TryGetValues("grpc-message", out var hm) ? hm.First() : string.Empty;
            Console.WriteLine($"probe {parse.GetValue(url)}: HTTP {(int)response.StatusCode}, grpc-status {status} {Uri.UnescapeDataString(message)}, {bytes.Length} response bytes");
            return status == "0" ? 0 : 1;
        });
        return command;
    }
}
