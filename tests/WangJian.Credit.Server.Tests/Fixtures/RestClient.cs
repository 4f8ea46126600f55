using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Xunit.Sdk;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A plain HTTP/1.1 JSON client of the REST endpoint: HttpClient and text, no gRPC. Responses are parsed
/// into the proto types only to compare them with what the same call answers over gRPC. Every answered
/// call is noted in <see cref="RestCoverage"/> under the rpc whose google.api.http rule its path matches.
/// </summary>
public sealed class RestClient(string baseAddress, IReadOnlyDictionary<string, string> tokens) : IDisposable
{
    /// <summary>The detail types the server writes into a google.rpc.Status (Http/JsonStatus.ErrorDetails).</summary>
    public static readonly TypeRegistry ErrorTypes = TypeRegistry.FromMessages(
        BadRequest.Descriptor, PreconditionFailure.Descriptor, ErrorInfo.Descriptor, ResourceInfo.Descriptor, V1.Application.Descriptor);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(ErrorTypes));

    private readonly HttpClient http = new()
    {
        BaseAddress = new Uri(baseAddress),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(60),
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

    /// <summary>One call; <paramref name="role"/> picks a token by its key (null: no authorization header).</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string path, string? role, string? json = null)
    {
        using var request = Request(method, path, role, json);
        using var response = await http.SendAsync(request);
        var answer = new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Version);
        RestCoverage.Note(method, path, response.StatusCode, response.Version);
        return answer;
    }

    public Task<Answer> GetAsync(string path, string? role) => SendAsync(HttpMethod.Get, path, role);

    public Task<Answer> PostAsync(string path, string? role, IMessage body) => SendAsync(HttpMethod.Post, path, role, JsonFormatter.Default.Format(body));

    /// <summary>Streams the lines of a streamed JSON answer (server-streaming calls), one message per line.</summary>
    public IAsyncEnumerable<string> StreamAsync(string path, string role, CancellationToken ct) => StreamAsync(HttpMethod.Get, path, role, null, ct);

    /// <summary>The same with a method and a JSON body (a server-streaming call with <c>body: "*"</c>).</summary>
    public async IAsyncEnumerable<string> StreamAsync(HttpMethod method, string path, string role, IMessage? body, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var request = Request(method, path, role, body is null ? null : JsonFormatter.Default.Format(body));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        RestCoverage.Note(method, path, response.StatusCode, response.Version);
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

    private HttpRequestMessage Request(HttpMethod method, string path, string? role, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.TryGetValue(role, out var t) ? t : role);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }
}

/// <summary>
/// Which rpcs the running test reached over plain HTTP/1.1 with a 2xx answer, found from the
/// google.api.http rules of the generated descriptors: what <see cref="RestRoundTripAttribute"/> checks
/// and what the guard test (<c>RestApiTests.EveryServedRpc_HasARestRoundTripTest</c>) counts.
/// </summary>
public static class RestCoverage
{
    /// <summary>Implemented by agency systems and called by this server, not served by it.</summary>
    public static readonly IReadOnlySet<string> NotServed = new HashSet<string> { "NoticeReceiverService" };

    private static readonly AsyncLocal<HashSet<string>?> Current = new();

    private static readonly (string Verb, Regex Path, string Rpc)[] Routes = Methods()
        .Select(m => (Rule: m.GetOptions()?.GetExtension(AnnotationsExtensions.Http), Method: m))
        .Where(x => x.Rule is not null)
        .Select(x => (Verb(x.Rule!), Template(Path(x.Rule!)), Name(x.Method)))
        .ToArray();

    /// <summary>Every rpc of every service in protos/wangjian/credit/v1 (the generated *Reflection descriptors).</summary>
    public static IEnumerable<MethodDescriptor> Methods() =>
        typeof(V1.CreditService).Assembly.GetTypes()
            .Where(t => t.Namespace == "WangJian.Credit.V1" && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods);

    /// <summary>The rpcs this server serves over REST, as Service/Method.</summary>
    public static IEnumerable<string> Served() => Methods().Where(m => !NotServed.Contains(m.Service.Name)).Select(Name);

    public static string Name(MethodDescriptor m) => $"{m.Service.Name}/{m.Name}";

    /// <summary>The rpc of a REST call, or null when no rule matches (exactly one may).</summary>
    public static string? RpcOf(HttpMethod method, string pathAndQuery)
    {
        var path = pathAndQuery.Split('?')[0];
        var matches = Routes.Where(r => r.Verb == method.Method && r.Path.IsMatch(path)).Select(r => r.Rpc).ToList();
        Assert.True(matches.Count <= 1, $"{method} {path} matches the rules of {string.Join(", ", matches)}");
        return matches.SingleOrDefault();
    }

    internal static void Begin() => Current.Value = new HashSet<string>(StringComparer.Ordinal);

    internal static IReadOnlySet<string> End()
    {
        var reached = Current.Value ?? [];
        Current.Value = null;
        return reached;
    }

    internal static void Note(HttpMethod method, string pathAndQuery, HttpStatusCode status, Version version)
    {
        if (Current.Value is { } reached && (int)status is >= 200 and < 300 && version == HttpVersion.Version11 && RpcOf(method, pathAndQuery) is { } rpc)
        {
            lock (reached)
            {
                reached.Add(rpc);
            }
        }
    }

    private static string Verb(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => "GET",
        HttpRule.PatternOneofCase.Post => "POST",
        HttpRule.PatternOneofCase.Put => "PUT",
        HttpRule.PatternOneofCase.Delete => "DELETE",
        HttpRule.PatternOneofCase.Patch => "PATCH",
        _ => rule.Custom?.Kind ?? "?",
    };

    private static string Path(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => rule.Get,
        HttpRule.PatternOneofCase.Post => rule.Post,
        HttpRule.PatternOneofCase.Put => rule.Put,
        HttpRule.PatternOneofCase.Delete => rule.Delete,
        HttpRule.PatternOneofCase.Patch => rule.Patch,
        _ => rule.Custom?.Path ?? "",
    };

    /// <summary>A path template as a regex: each {field} one segment without ':' (the custom verb follows it).</summary>
    private static Regex Template(string template) =>
        new("^" + string.Join("[^/:]+", Regex.Split(template, @"\{[^}]+\}").Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant);
}

/// <summary>
/// Marks a test as the REST round trip of these rpcs (Service/Method): the test fails unless it reached each
/// of them over HTTP/1.1 JSON with a 2xx answer; the guard test fails for a served rpc no test is marked for.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RestRoundTripAttribute(params string[] rpcs) : BeforeAfterTestAttribute
{
    public IReadOnlyList<string> Rpcs { get; } = rpcs;

    public override void Before(MethodInfo methodUnderTest) => RestCoverage.Begin();

    public override void After(MethodInfo methodUnderTest)
    {
        var reached = RestCoverage.End();
        var missed = Rpcs.Where(r => !reached.Contains(r)).ToList();
        if (missed.Count > 0)
        {
            throw new XunitException($"{methodUnderTest.Name} is marked as the REST round trip of {string.Join(", ", missed)} but made no successful HTTP/1.1 call to it (reached: {string.Join(", ", reached.Order())})");
        }
    }
}
