using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WangJian.Credit.Grains;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A real server in this process for the operator's and the public's faces: two operator principals, regulators
/// of Hangzhou, Shenzhen and Zhejiang (two), a platform; a credit clock the test moves (starting at real time,
/// so recorded decisions still pass the server's own date check); a calendar with a holiday and an adjusted
/// working day within the next two weeks.
/// </summary>
public class OperatorFixture : IAsyncLifetime
{
    private WebApplication? app;

    public OperatorFixture()
        : this(permitsPerMinute: 10_000)
    {
    }

    protected OperatorFixture(int permitsPerMinute)
    {
        PermitsPerMinute = permitsPerMinute;
        // China's date today; the first weekday after tomorrow is a holiday, the first Saturday after that a working day.
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        var d = today.AddDays(2);
        while (d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            d = d.AddDays(1);
        }

        Holiday = d;
        var s = d.AddDays(1);
        while (s.DayOfWeek != DayOfWeek.Saturday)
        {
            s = s.AddDays(1);
        }

        ExtraWorkday = s;
    }

    public int PermitsPerMinute { get; }

    public DateOnly Holiday { get; }

    public DateOnly ExtraWorkday { get; }

    /// <summary>The USCC of each operator principal, op-a … op-f: a test that scores an operator has one to itself.</summary>
    public IReadOnlyDictionary<string, string> Operators { get; } = new[] { "op-a", "op-b", "op-c", "op-d", "op-e", "op-f" }.ToDictionary(n => n, _ => TestUscc.Fresh());

    public string OperatorA => Operators["op-a"];

    public string OperatorB => Operators["op-b"];

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public TempDir DataDir { get; } = new("operator");

    public GrpcChannel Channel { get; private set; } = null!;

    public string HttpAddress { get; private set; } = "";

    public (string Name, string Role, string[] Authorities, string? Agency, string? Uscc)[] Principals =>
    [
        .. Operators.Select(o => (o.Key, "operator", Array.Empty<string>(), (string?)null, (string?)o.Value)),
        ("hz", "regulator", ["330100-SAMR"], null, null),
        ("sz", "regulator", ["440300-SAMR"], null, null),
        ("zj", "regulator", ["33*"], null, null),
        ("zj-2", "regulator", ["33*"], null, null),
        ("screening", "platform", [], null, null),
        ("ops", "admin", [], null, null),
        ("ndrc", "agency", [], "NDRC", null),
    ];

    public CallInvoker As(string? name) => name is null
        ? Channel.CreateCallInvoker()
        : Channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {ScopedServerFixture.TokenOf(name)}");
            return m;
        });

    public OperatorService.OperatorServiceClient Operator(string name = "op-a") => new(As(name));

    public RegulatorService.RegulatorServiceClient Regulator(string name = "hz") => new(As(name));

    public CreditService.CreditServiceClient Credit(string name = "screening") => new(As(name));

    public PublicService.PublicServiceClient Public => new(As(null));

    protected virtual IEnumerable<string> ExtraArgs => ["--Approvals:SecondPersonFor", "NONE"];

    public async Task InitializeAsync()
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", DataDir.Path,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
            "--Calendar:Holidays:0", Holiday.ToString("yyyy-MM-dd"),
            "--Calendar:ExtraWorkdays:0", ExtraWorkday.ToString("yyyy-MM-dd"),
            "--Public:PermitsPerMinute", PermitsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        args.AddRange(ExtraArgs);
        args.AddRange(ScopedServerFixture.PrincipalArgs(Principals));
        app = await ServerHost.BuildAsync([.. args], b => b.Services.AddSingleton(new CreditClock(Clock)));
        await app.StartAsync();
        var listeners = app.Services.GetRequiredService<Http.Listeners>();
        Channel = GrpcChannel.ForAddress(listeners.GrpcUrls[0]);
        HttpAddress = listeners.HttpUrls[0];
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        DataDir.Dispose();
    }
}

/// <summary>The same server with a public limit of 5 calls a minute.</summary>
public sealed class LimitedOperatorFixture : OperatorFixture
{
    public LimitedOperatorFixture()
        : base(permitsPerMinute: 5)
    {
    }
}

/// <summary>The same server with the default four-eyes: a revocation and a listing repair need a second regulator.</summary>
public sealed class FourEyesOperatorFixture : OperatorFixture
{
    protected override IEnumerable<string> ExtraArgs => ["--Approvals:SecondPersonFor", "REVOKE,LISTING_REPAIR"];
}
