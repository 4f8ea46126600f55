using System.Security.Cryptography;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.V1;
using PdfReport = WangJian.Credit.Server.Reports.PdfReport;
using SigningKeys = WangJian.Credit.Server.Reports.SigningKeys;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Rotating the report key: the server restarted on the same store with a new key still verifies the old reports.</summary>
[Trait("Category", "Scenario")]
public sealed class SigningKeyRotationTests : IDisposable
{
    private readonly TempDir dir = new("rotation");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task NewKey_SignsNewReports_AndTheOldPublicKeyStillVerifiesTheOldOnes()
    {
        var oldKey = WriteKey("old.pem");
        var newKey = WriteKey("new.pem");

        var (oldReport, _) = await WithServerAsync(oldKey, async channel =>
            await new CreditService.CreditServiceClient(channel).GetCreditReportAsync(new GetCreditReportRequest { OperatorId = TestUscc.Tencent, Format = ReportFormat.Pdf }));
        var (newReport, keys) = await WithServerAsync(newKey, async channel =>
            await new CreditService.CreditServiceClient(channel).GetCreditReportAsync(new GetCreditReportRequest { OperatorId = TestUscc.Tencent, Format = ReportFormat.Pdf }));

        Assert.NotEqual(oldReport.KeyId, newReport.KeyId);
        Assert.Equal([newReport.KeyId, oldReport.KeyId], keys.Keys.Select(k => k.KeyId));
        Assert.True(keys.Keys[0].Current);
        Assert.False(keys.Keys[1].Current);
        var trailer = PdfReport.ReadTrailer(oldReport.Content.ToByteArray())!.Value;
        Assert.True(SigningKeys.Verify(keys.Keys[1].PublicKeyPem, trailer.Signed, trailer.Signature));
        Assert.False(SigningKeys.Verify(keys.Keys[0].PublicKeyPem, trailer.Signed, trailer.Signature));
    }

    private string WriteKey(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    /// <summary>Starts a server on the shared data dir with <paramref name="keyPath"/>, runs <paramref name="call"/> as the platform, and the key list; stops it.</summary>
    private async Task<(GetCreditReportResponse Report, GetSigningKeysResponse Keys)> WithServerAsync(string keyPath, Func<global::Grpc.Core.CallInvoker, Task<GetCreditReportResponse>> call)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", Path.Combine(dir.Path, "data"),
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
            "--Reports:SigningKeyPath", keyPath,
        };
        args.AddRange(ScopedServerFixture.PrincipalArgs([("screening", "platform", [], null, null)]));
        await using var app = await ServerHost.BuildAsync([.. args]);
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<Http.Listeners>().GrpcUrls[0]);
            var invoker = global::Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(channel.CreateCallInvoker(), m =>
            {
                m.Add("authorization", $"Bearer {ScopedServerFixture.TokenOf("screening")}");
                return m;
            });
            var report = await call(invoker);
            var keys = await new PublicService.PublicServiceClient(channel).GetSigningKeysAsync(new GetSigningKeysRequest());
            return (report, keys);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
