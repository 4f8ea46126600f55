using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A plain HTTP/1.1 JSON client of the REST endpoint: HttpClient and text, no gRPC. Responses are parsed
/// into the proto types only to compare them with what the same call answers over gRPC.
/// </summary>
public sealed class RestClient(string baseAddress, IReadOnlyDictionary<string, string> tokens) : IDisposable
{
    public static readonly TypeRegistry ErrorTypes = TypeRegistry.FromMessages(BadRequest.Descriptor, PreconditionFailure.Descriptor);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(ErrorTypes));

    private readonly HttpClient http = new()
    {
        BaseAddress = new Uri(baseAddress),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public sealed record Answer(HttpStatusCode Status, string Body, Version Version)
    {
        public T As<T>()
            where T : IMessage, new()
        {
            Assert.True(Status == HttpStatusCode.OK, $"HTTP {(int)Status}: {Body}");
            return (T)Parser.Parse(Body, new T().Descriptor);
        }

        public Google.Rpc.Status Error() => Parser.Parse<Google.Rpc.Status>(Body);
    }

    /// <summary>One call; <paramref name="role"/> picks a dev token (null: no authorization header).</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string path, string? role, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.TryGetValue(role, out var t) ? t : role);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Version);
    }

    public Task<Answer> GetAsync(string path, string? role) => SendAsync(HttpMethod.Get, path, role);

    public Task<Answer> PostAsync(string path, string? role, IMessage body) => SendAsync(HttpMethod.Post, path, role, JsonFormatter.Default.Format(body));

    /// <summary>Streams the lines of a streamed JSON answer (server-streaming calls), one message per line.</summary>
    public async IAsyncEnumerable<string> StreamAsync(string path, string role, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[role]);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Trim().Length > 0)
            {
                yield return line;
            }
        }
    }

    public void Dispose() => http.Dispose();
}
