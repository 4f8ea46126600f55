using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// A generated corpus of over 10,000 malformed requests over real gRPC — random bytes, truncated frames,
/// bad USCCs, huge strings, out-of-range enums, bad timestamps, bad page tokens and sizes, on every
/// unary RPC. Every answer is INVALID_ARGUMENT (or UNAUTHENTICATED when the token is what is wrong),
/// never INTERNAL or UNKNOWN, and the server keeps serving.
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class BadInputCorpusTests(ServerFixture server, ITestOutputHelper output)
{
    private const int Cases = 10_500;
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static readonly (string Service, string Method, string Role)[] UnaryMethods =
    [
        ("RegulatorService", "RecordViolation", "regulator"), ("RegulatorService", "RevokeViolation", "regulator"),
        ("RegulatorService", "DecideRepair", "regulator"), ("RegulatorService", "ListViolations", "regulator"),
        ("RegulatorService", "ListChecks", "regulator"), ("RegulatorService", "OpenPunishmentCase", "regulator"),
        ("RegulatorService", "ListPunishmentCases", "regulator"), ("CreditService", "GetCreditStatus", "platform"),
        ("CreditService", "BatchGetCreditStatus", "platform"), ("CreditService", "ListBlacklist", "platform"),
        ("AgencyService", "CheckOperator", "agency:MIIT"), ("AgencyService", "ListNotices", "agency:MIIT"),
        ("AgencyService", "AcknowledgeNotice", "agency:MIIT"),
    ];

    private static string BadUscc(Random r) => r.Next(6) switch
    {
        0 => "91330106673959654" + "0123456789ABCDEFGHJKLMNQRTUWXY"[r.Next(30)], // wrong check character (P is right)
        1 => new string('9', r.Next(0, 40)) is var s && s.Length == 18 ? s + "9" : s,
        2 => "9133010667395965IO",
        3 => "91ABCDEF673959654P",
        4 => string.Concat(Enumerable.Range(0, r.Next(1, 30)).Select(_ => (char)r.Next(0x20, 0x3000))),
        _ => new string('X', r.Next(100, 100_000)),
    };

    private static Timestamp BadTime(Random r) => r.Next(4) switch
    {
        0 => new Timestamp { Seconds = 1_700_000_000, Nanos = -r.Next(1, 1000) },
        1 => new Timestamp { Seconds = 1_700_000_000, Nanos = 1_000_000_000 + r.Next(1000) },
        2 => new Timestamp { Seconds = long.MaxValue - r.Next(1000) },
        _ => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(r.Next(2, 10_000))),
    };

    private static RecordViolationRequest BadRecord(Random r)
    {
        var q = Requests.Violation(TestUscc.Fresh());
        switch (r.Next(12))
        {
            case 0: q.OperatorId = BadUscc(r); break;
            case 1: q.OffenseCode = "NO_SUCH_" + r.Next(); break;
            case 2: q.Severity = (Severity)(r.Next(2) == 0 ? r.Next(5, int.MaxValue) : -r.Next(1, 1000)); break;
            case 3: q.PenaltyKinds.Add((PenaltyKind)r.Next(6, 100_000)); break;
            case 4: q.FineFen = -r.NextInt64(1, long.MaxValue); break;
            case 5: q.IllegalGainsFen = -r.NextInt64(1, long.MaxValue); break;
            case 6: q.Description = new string('描', r.Next(2001, 300_000)); break;
            case 7: q.DecisionNumber = new string('号', r.Next(129, 300_000)); break;
            case 8: q.DecidedAt = BadTime(r); break;
            case 9: q.DecisionNumber = "bad\u0000number\n"; break;
            case 10: q.AuthorityCode = "has spaces and 中文"; break;
            default: q.Severity = Severity.Unspecified; q.DecidedAt = null; break;
        }

        return q;
    }

    private static IMessage BadMessage(string method, Random r) => method switch
    {
        "RecordViolation" => BadRecord(r),
        "RevokeViolation" => r.Next(2) == 0 ? new RevokeViolationRequest { OperatorId = BadUscc(r), ViolationId = "v1", Reason = "x" } : new RevokeViolationRequest { OperatorId = TestUscc.Huawei, ViolationId = "v1", Reason = new string('r', r.Next(2001, 50_000)) },
        "DecideRepair" => r.Next(2) == 0 ? new DecideRepairRequest { OperatorId = TestUscc.Huawei, Reason = "x" } : new DecideRepairRequest { OperatorId = TestUscc.Huawei, ViolationId = "v1", Reason = "x", EffectiveTime = BadTime(r) },
        "ListViolations" => new ListViolationsRequest { OperatorId = TestUscc.Huawei, PageSize = r.Next(2) == 0 ? -r.Next(1, int.MaxValue) : r.Next(1001, int.MaxValue), PageToken = "" },
        "ListChecks" => r.Next(2) == 0 ? new ListChecksRequest { AgencyCode = "FBI" + r.Next(100) } : new ListChecksRequest { PageToken = Convert.ToBase64String(BitConverter.GetBytes(r.NextInt64())) },
        "OpenPunishmentCase" => new OpenPunishmentCaseRequest { OperatorId = BadUscc(r), Reason = "x" },
        "ListPunishmentCases" => new ListPunishmentCasesRequest { OperatorId = BadUscc(r) },
        "GetCreditStatus" => r.Next(2) == 0 ? new GetCreditStatusRequest { OperatorId = BadUscc(r) } : new GetCreditStatusRequest { OperatorId = TestUscc.Huawei, AsOf = BadTime(r) },
        "BatchGetCreditStatus" => r.Next(3) switch
        {
            0 => new BatchGetCreditStatusRequest(),
            1 => new BatchGetCreditStatusRequest { OperatorIds = { TestUscc.Huawei, BadUscc(r) } },
            _ => new BatchGetCreditStatusRequest { OperatorIds = { Enumerable.Repeat(TestUscc.Huawei, r.Next(1001, 1500)) } },
        },
        "ListBlacklist" => r.Next(2) == 0 ? new ListBlacklistRequest { PageSize = -1 - r.Next(1000) } : new ListBlacklistRequest { PageToken = "garbage" + r.Next() },
        "CheckOperator" => r.Next(2) == 0 ? new CheckOperatorRequest { OperatorId = BadUscc(r), Matter = "HONORS" } : new CheckOperatorRequest { OperatorId = TestUscc.Huawei, Matter = "NOT_A_MATTER_" + r.Next() },
        "ListNotices" => new ListNoticesRequest { Cursor = "zz" + r.Next() },
        _ => new AcknowledgeNoticeRequest { NoticeId = "", ActionTaken = "" },
    };

    private static byte[] Garbage(Random r)
    {
        var b = new byte[r.Next(1, 300)];
        r.NextBytes(b);
        return b;
    }

    [Fact]
    public async Task Corpus_TenThousandMalformedRequests_OnlyInvalidArgumentOrAuthErrors()
    {
        var random = new Random(20261129);
        var cases = Enumerable.Range(0, Cases).Select(i =>
        {
            var r = new Random(random.Next());
            var (service, method, role) = UnaryMethods[r.Next(UnaryMethods.Length)];
            var kind = r.Next(100);
            if (kind < 30 && method is "ListBlacklist" or "ListNotices" or "ListChecks")
            {
                // Their all-defaults request is valid, and random bytes can parse into exactly that
                // (every field unknown, so skipped): an OK would be right. Aim the garbage elsewhere.
                (service, method, role) = UnaryMethods[0];
            }

            byte[] body = kind < 30 ? Garbage(r) : BadMessage(method, r).ToByteArray();
            var token = kind is >= 95 ? (r.Next(2) == 0 ? null : "forged") : role;
            return (Service: service, Method: method, Token: token, Body: body, Truncated: kind is >= 30 and < 40);
        }).ToArray();

        var codes = new ConcurrentDictionary<StatusCode, int>();
        var failures = new ConcurrentQueue<string>();
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var baseUri = server.Address;

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
        {
            StatusCode code;
            var detail = string.Empty;
            if (c.Truncated)
            {
                code = await SendTruncatedAsync(http, baseUri, c.Service, c.Method, c.Token, c.Body, ct);
            }
            else
            {
                var invoker = c.Token is null ? server.As(null) : c.Token == "forged" ? server.As(null, rawToken: "forged") : server.As(c.Token);
                var method = new Method<byte[], byte[]>(MethodType.Unary, $"wangjian.credit.v1.{c.Service}", c.Method, Raw, Raw);
                try
                {
                    await invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), c.Body);
                    code = StatusCode.OK;
                }
                catch (RpcException e)
                {
                    code = e.StatusCode;
                    detail = e.Status.Detail;
                }
            }

            codes.AddOrUpdate(code, 1, (_, n) => n + 1);
            var expected = c.Token is null || c.Token == "forged" ? StatusCode.Unauthenticated : StatusCode.InvalidArgument;
            if (code != expected)
            {
                failures.Enqueue($"{c.Service}/{c.Method} token={c.Token} truncated={c.Truncated} bytes={Convert.ToHexString(c.Body.AsSpan(0, Math.Min(40, c.Body.Length)))}: {code} {detail}");
            }
        });

        output.WriteLine(string.Join(", ", codes.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value}")));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        Assert.DoesNotContain(StatusCode.Internal, codes.Keys);
        Assert.DoesNotContain(StatusCode.Unknown, codes.Keys);

        // Still serving.
        var ok = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei });
        Assert.Equal(Grade.A, ok.Status.Grade);
    }

    /// <summary>A gRPC frame whose header announces more bytes than follow, sent as raw HTTP/2.</summary>
    private async Task<StatusCode> SendTruncatedAsync(HttpClient http, string target, string service, string method, string? token, byte[] body, CancellationToken ct)
    {
        var frame = new byte[5 + body.Length];
        var announced = body.Length + 1 + (body.Length % 7);
        frame[1] = (byte)(announced >> 24);
        frame[2] = (byte)(announced >> 16);
        frame[3] = (byte)(announced >> 8);
        frame[4] = (byte)announced;
        body.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(target), $"/wangjian.credit.v1.{service}/{method}")) { Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", $"Bearer {(token == "forged" ? "forged" : server.Tokens[token])}");
        }

        using var response = await http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        var status = response.Headers.TryGetValues("grpc-status", out var h) ? h.First()
            : response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.First()
            : null;
        if (status is null)
        {
            output.WriteLine($"no grpc-status: HTTP {(int)response.StatusCode} {response.Version} headers: {string.Join("; ", response.Headers.Select(x => x.Key + "=" + string.Join(",", x.Value)))} content: {string.Join("; ", response.Content.Headers.Select(x => x.Key + "=" + string.Join(",", x.Value)))}");
            return StatusCode.Unknown;
        }

        return (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
    }
}
