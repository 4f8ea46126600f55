using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using WangJian.Credit.Server.Audit;

namespace WangJian.Credit.Server.Tests.Audit;

/// <summary>The stored line format: what AccessBatch writes, AccessEntry.Decode reads back.</summary>
public sealed class AccessBatchTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Lines_DecodeToTheCalls_SeparatorsInValuesStoredAsSpaces_CallerWrittenOncePerBatchStillOnEveryLine()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "a,b\tc\nd"), new Claim(ClaimTypes.Role, "platform")], "Bearer"));
        var batch = new AccessBatch();
        batch.Add(Call("r1", user, ["91330100000000001C", "9133010000000002X,"]));
        batch.Add(Call("r2", user, ["91330100000000001C"]));
        batch.Add(Call("r3", null, []));

        var lines = Encoding.UTF8.GetString(batch.Lines).Split('\n').Select(l => AccessEntry.Decode(l)!).ToArray();

        Assert.Equal(["r1", "r2", "r3"], lines.Select(e => e.RequestId));
        Assert.Equal("a b c d", lines[0].Principal);
        Assert.Equal("a b c d", lines[1].Principal);
        Assert.Equal("platform", lines[1].Role);
        Assert.Null(lines[2].Principal);
        Assert.Equal(["91330100000000001C", "9133010000000002X "], lines[0].OperatorIds);
        Assert.Equal("wangjian.credit.v1.CreditService/GetCreditStatus", lines[0].Rpc);
        Assert.Equal("OK", lines[0].Status);
        Assert.Equal("127.0.0.1:40000", lines[0].ClientAddress);
        Assert.Equal(["a,b\tc\nd"], batch.Principals); // the day index is keyed by the name as callers query it
        Assert.Single(batch.OperatorBuckets.Distinct(), AccessLog.Bucket("91330100000000001C"));
    }

    private AccessFeature Call(string id, ClaimsPrincipal? user, string[] operators)
    {
        var call = new AccessFeature(id, "/wangjian.credit.v1.CreditService/GetCreditStatus", 0);
        foreach (var op in operators)
        {
            call.Concerns(op);
        }

        var context = new DefaultHttpContext();
        if (user is not null)
        {
            context.User = user;
        }

        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Connection.RemotePort = 40000;
        context.Response.Headers["grpc-status"] = "0";
        call.End(context, clock);
        return call;
    }
}
